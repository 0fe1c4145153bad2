"""Read an admin change form the way a browser submits it, for tests that POST it back."""

from django.http import HttpResponse


def _value(bound_field):
    value = bound_field.value()
    if value is True:
        return "on"
    if value is None:
        return ""
    return value


def submitted_data(response: HttpResponse) -> dict:
    """The POST body of the admin form on `response` as it stands, inlines included.

    Unticked checkboxes are left out, as browsers do. Only plain widgets are
    supported, which is what the tests' admins show.
    """
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound_field in form:
            if bound_field.value() is not False:
                data[bound_field.html_name] = _value(bound_field)
    return data
