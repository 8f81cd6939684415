from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register
from madoguchi.review.constants import ACT_ROLES, VIEW_ROLES
from madoguchi.review.route_editor.selectors import EDITOR_ROLES

register(
    # the staff landing page: what waits for you (review/selectors.waiting_work)
    MenuEntry(
        menu=STAFF,
        key="work",
        label=_("自分の仕事"),
        url_name="review:work",
        order=5,
        roles=frozenset(VIEW_ROLES),
    ),
    # the queue and the rates need a role that sees cases: a counter or 所属所 clerk would get 404
    MenuEntry(
        menu=STAFF,
        key="queue",
        label=_("作業一覧"),
        url_name="review:queue",
        url_args=("mine",),
        order=10,
        roles=frozenset(VIEW_ROLES),
    ),
    # 起案 (S11) is drafted by those who work in the back office's routes
    MenuEntry(
        menu=STAFF,
        key="proposal",
        label=_("起案する"),
        url_name="review:proposal_new",
        order=20,
        roles=frozenset(ACT_ROLES),
    ),
    MenuEntry(
        menu=STAFF,
        key="routes",
        label=_("審査経路の設定"),
        url_name="review:routes:index",
        order=50,
        roles=frozenset(EDITOR_ROLES),
        also=("review:routes:create",),
    ),
    MenuEntry(
        menu=STAFF,
        key="notice_templates",
        label=_("通知書の文面"),
        url_name="review:notice_templates",
        order=55,
        roles=frozenset(EDITOR_ROLES),
    ),
    MenuEntry(
        menu=STAFF,
        key="stats",
        label=_("電子決定率"),
        url_name="review:stats",
        order=80,
        roles=frozenset(VIEW_ROLES),
    ),
)
