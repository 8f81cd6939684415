from django.apps import AppConfig

from madoguchi.core import search_items


class KnowledgeConfig(AppConfig):
    name = "madoguchi.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from madoguchi.knowledge import notifications
        from madoguchi.knowledge.search import hooks

        hooks.register()
        notifications.register()
        search_items.register_searcher(_items_found)


def _items_found(query, *, user, kinds, organization_id, limit):
    """core.search_items.search: the site search for apps that may not import knowledge (ideas)."""
    from madoguchi.knowledge.selectors import items_found

    return items_found(query, user=user, kinds=kinds, organization_id=organization_id, limit=limit)
