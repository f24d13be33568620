from django import template

from onetrip.core.masking import mask_phone

register = template.Library()

register.filter("mask_phone", mask_phone)


@register.simple_tag(takes_context=True)
def has_perm(context: template.Context, perm: str) -> bool:
    user = context["request"].user
    return user.is_authenticated and user.has_perm(perm)
