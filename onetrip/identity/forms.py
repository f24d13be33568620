"""Page forms. They only shape raw input; validation of identity data is the services' job, so
pages and the API refuse exactly the same things with the same messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.identity import services
from onetrip.identity.documents import DocumentType
from onetrip.identity.models import Relationship, Sex

# Service error fields → form fields.
FIELD_MAP = {
    "documents": "doc_number",
    "documents.0.number": "doc_number",
    "documents.0.doc_type": "doc_type",
    "documents.0.issuing_country": "issuing_country",
    "guardian": "use_guardian_document",
    "guardian.number": "guardian_number",
    "guardian.doc_type": "guardian_doc_type",
    "guardian.issuing_country": "guardian_number",
    "guardian.relationship": "guardian_relationship",
    "document.number": "doc_number",
    "document.doc_type": "doc_type",
    "document.issuing_country": "issuing_country",
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    doc_number = forms.CharField(label=_("Document number"), max_length=200)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports)"),
        max_length=3,
        required=False,
        help_text=_("Three letters, e.g. CHN, USA."),
    )

    def to_input(self) -> services.DocumentInput:
        data = self.cleaned_data
        return services.DocumentInput(
            data["doc_type"], data["doc_number"], data.get("issuing_country", "")
        )


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[(Sex.MALE, Sex.MALE.label), (Sex.FEMALE, Sex.FEMALE.label)]
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=_date_input())
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocumentType.choices, required=False
    )
    doc_number = forms.CharField(label=_("Document number"), max_length=200, required=False)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports)"), max_length=3, required=False
    )
    use_guardian_document = forms.BooleanField(
        label=_("A minor without own document: register under a guardian's document"),
        required=False,
    )
    guardian_doc_type = forms.ChoiceField(
        label=_("Guardian's document type"), choices=DocumentType.choices, required=False
    )
    guardian_number = forms.CharField(
        label=_("Guardian's document number"), max_length=200, required=False
    )
    guardian_relationship = forms.ChoiceField(
        label=_("Guardian is the child's"),
        choices=[
            (Relationship.PARENT, Relationship.PARENT.label),
            (Relationship.GUARDIAN, Relationship.GUARDIAN.label),
        ],
        required=False,
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def to_registration(
        self, relationship: str = Relationship.SELF
    ) -> services.PatientRegistration:
        data = self.cleaned_data
        documents = []
        if data["doc_number"]:
            documents.append(
                services.DocumentInput(
                    data["doc_type"], data["doc_number"], data["issuing_country"]
                )
            )
        guardian = None
        if data["use_guardian_document"]:
            guardian = services.GuardianInput(
                data["guardian_doc_type"], data["guardian_number"], data["guardian_relationship"]
            )
        return services.PatientRegistration(
            name=data["name"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            address=data["address"],
            documents=documents,
            guardian=guardian,
            relationship=relationship,
        )


class FamilyRegistrationForm(RegistrationForm):
    """A signed-in account registers its holder, or a child it is parent or guardian of."""

    relationship = forms.ChoiceField(
        label=_("This patient is"),
        choices=[
            (Relationship.SELF, _("Myself")),
            (Relationship.PARENT, _("My child")),
            (Relationship.GUARDIAN, _("A minor in my guardianship")),
        ],
    )
    field_order = ["relationship"]


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ProxyForm(forms.Form):
    phone = forms.CharField(label=_("Family member's mobile phone"), max_length=20)
    relationship = forms.ChoiceField(
        label=_("They are your"),
        choices=[(r.value, r.label) for r in Relationship if r != Relationship.SELF],
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, document number or mobile number"), max_length=64, required=False
    )


class ClaimForm(forms.Form):
    """A record registered elsewhere, as its patient would identify it."""

    relationship = forms.ChoiceField(
        label=_("This patient is"),
        choices=[
            (Relationship.SELF, _("Myself")),
            (Relationship.PARENT, _("My child")),
            (Relationship.GUARDIAN, _("A minor in my guardianship")),
        ],
    )
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    doc_number = forms.CharField(label=_("Document number"), max_length=200)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports)"), max_length=3, required=False
    )
    name = forms.CharField(label=_("Name"), max_length=60)
    birth_date = forms.DateField(label=_("Date of birth"), widget=_date_input())

    def to_input(self) -> services.RecordClaimInput:
        data = self.cleaned_data
        return services.RecordClaimInput(
            doc_type=data["doc_type"],
            number=data["doc_number"],
            name=data["name"],
            birth_date=data["birth_date"],
            relationship=data["relationship"],
            issuing_country=data["issuing_country"],
        )


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
