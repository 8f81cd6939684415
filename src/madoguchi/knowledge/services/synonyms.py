"""The organization's own entries of the synonym dictionary (effective on the next query)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.knowledge.models import Synonym
from madoguchi.knowledge.search.indexing import synonyms_changed
from madoguchi.knowledge.search.synonyms import split_words
from madoguchi.knowledge.services.permissions import Actor, check_member


def synonym_create(
    *, organization: Organization, actor: Actor, words: str, bidirectional: bool = True
) -> Synonym:
    check_member(actor, organization)
    parts = split_words(words)
    if len(parts) < 2:
        raise FieldErrors({"words": [_("言葉を2つ以上、カンマまたは読点で区切って入力してください。")]})
    if any(len(p) > 50 for p in parts):
        raise FieldErrors({"words": [_("1つの言葉は50文字以内にしてください。")]})
    with transaction.atomic():
        synonym = Synonym.objects.create(
            organization=organization, words=", ".join(parts), bidirectional=bidirectional
        )
        audit_record(actor=actor, action="synonym.created", target=synonym, after={"words": synonym.words})
        synonyms_changed()
    return synonym


def synonym_delete(*, synonym: Synonym, actor: Actor) -> None:
    if synonym.organization is None:
        raise PermissionDeniedError(_("共通の言い換えは管理者だけが削除できます。"))
    check_member(actor, synonym.organization)
    with transaction.atomic():
        audit_record(actor=actor, action="synonym.deleted", target=synonym, before={"words": synonym.words})
        synonym.delete()
        synonyms_changed()
