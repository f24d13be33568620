from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from onetrip.core.audit_text import Summary, readable
from onetrip.core.masking import mask_phone

register = template.Library()

register.filter("mask_phone", mask_phone)


@register.simple_tag(takes_context=True)
def has_perm(context: template.Context, perm: str) -> bool:
    user = context["request"].user
    return user.is_authenticated and user.has_perm(perm)


@register.simple_tag(takes_context=True)
def current_if(context: template.Context, url: str, *more: str) -> str:
    """`aria-current="page"` for a tab whose section (`url` or one of `more`, prefixes of the
    path; the home URL only itself) holds the page being shown."""
    path = context["request"].path
    home = url.rstrip("/").count("/") <= 1
    hit = path == url if home else any(path.startswith(prefix) for prefix in (url, *more))
    return mark_safe('aria-current="page"') if hit else ""  # a constant, nothing of the request


@register.simple_tag
def colon() -> str:
    """The colon after a label: the catalogue's ":" (full-width in Chinese, the same msgid
    Django's forms end their labels with), followed by a space in languages that use one."""
    suffix = translation.gettext(":")
    return suffix if translation.get_language().startswith("zh") else f"{suffix} "


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, "")


@register.filter
def audit_summary(summary: str) -> Summary:
    """An audit row's summary in the reader's language (see onetrip.core.audit_text)."""
    return readable(summary)
