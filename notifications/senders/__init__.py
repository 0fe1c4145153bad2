"""Sender identities: the email domain and SMS number an application sends from, and their verification.

Nothing is sent on a channel until its sender is verified with a one-time code
(the emails/verify and sms/verify operations). A code proves an address, not a
domain: mail is From the application's domain only once `domains` has proven it
(by the code's address or a DNS TXT record), else From the service's own address
(`ChannelSender.email_headers`). `services.direct_message_send`
sends one message at once from that sender: verification codes, customers'
one-time codes and test sends, while the caller waits.
"""
