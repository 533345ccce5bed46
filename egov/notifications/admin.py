"""Django admin for the notifications app: templates (a save adds a version, checked like the page), categories,
and read-only views of messages and deliveries for operators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from egov.core.errors import ValidationError
from egov.notifications import services
from egov.notifications.models import Category, Delivery, Message, Template
from egov.notifications.templating import template_problems


class TemplateAdminForm(forms.ModelForm[Template]):
    placeholders_text = forms.CharField(required=False, label="placeholders", help_text="comma-separated, e.g. plate, due_date")

    class Meta:
        model = Template
        fields = ["key", "category", "subject_ko", "body_ko", "subject_en", "body_en"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["placeholders_text"].initial = ", ".join(self.instance.placeholders)

    def placeholders(self) -> list[str]:
        raw = self.cleaned_data.get("placeholders_text", "")
        return [p.strip() for p in raw.replace(",", " ").split() if p.strip()]

    def clean(self) -> dict[str, Any]:
        """The page's checks: a text naming a placeholder the template does not declare is refused."""
        data = super().clean() or {}
        texts = {name: data.get(name) or "" for name in ("subject_ko", "body_ko", "subject_en", "body_en")}
        for field, messages in template_problems(declared=self.placeholders(), texts=texts).items():
            self.add_error(field if field in self.fields else "placeholders_text", messages)
        return data

    def validate_unique(self) -> None:
        """Saving adds the next version (the service numbers it), so (key, version) is never taken."""


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin[Template]):
    """Saving through the admin is saving a new version through the service, with the same checks."""

    form = TemplateAdminForm
    list_display = ["key", "version", "category", "subject_ko", "created_at"]
    list_filter = ["category"]
    search_fields = ["key", "subject_ko", "subject_en"]

    def save_model(self, request: HttpRequest, obj: Template, form: Any, change: bool) -> None:
        try:
            saved = services.template_save(
                key=obj.key, category=obj.category, placeholders=form.placeholders(), subject_ko=obj.subject_ko,
                body_ko=obj.body_ko, subject_en=obj.subject_en, body_en=obj.body_en, by=f"user:{request.user.pk}",
            )
        except ValidationError as error:
            raise forms.ValidationError(error.message) from error
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name_ko", "name_en", "required_by_law", "legal_basis"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["message", "channel", "status", "attempts", "last_error", "delivered_at"]
    list_filter = ["channel", "status"]
    readonly_fields = ["message", "channel", "status", "attempts", "last_error", "delivered_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["subject", "category", "template_key", "template_version", "sent_by", "created_at"]
    list_filter = ["category", "sent_by"]
    readonly_fields = ["recipient", "subject", "body", "category", "idempotency_key", "read_at", "template_key",
                       "template_version", "link", "sent_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
