"""Sender identities: the email domain and SMS number an application sends from, and their verification.

Nothing is sent on a channel until its sender is verified with a one-time code
(the emails/verify and sms/verify operations). `services.direct_message_send`
sends one message at once from that sender: verification codes, customers'
one-time codes and test sends, while the caller waits.
"""
