from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.communities.models import Community, Membership
from essaim.core.images import CoverFields


class CommunityForm(CoverFields):
    name = forms.CharField(label=_("Name"), max_length=100)
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is allowed."),
    )
    charter = forms.CharField(
        label=_("Charter"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The rules every member agrees to."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Community.Visibility.choices,
        help_text=_("A private community shows outsiders its name and nothing else."),
    )
    join_mode = forms.ChoiceField(label=_("How people join"), choices=Community.JoinMode.choices)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please give the community a name."))
        return name


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown is allowed."),
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Your message is empty."))
        return body


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Your comment is empty."))
        return body


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
