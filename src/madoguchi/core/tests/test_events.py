from madoguchi.core import events


def test_emit_calls_each_subscriber_once_with_the_payload_and_counts_them():
    seen = []

    def handler(**payload):
        seen.append(payload)

    events.subscribe("test.happened", handler)
    events.subscribe("test.happened", handler)  # registering twice is a no-op
    try:
        assert events.emit("test.happened", thing=1) == 1
        assert seen == [{"thing": 1}]
    finally:
        events.unsubscribe("test.happened", handler)
    assert events.emit("test.happened", thing=2) == 0
    assert seen == [{"thing": 1}]


def test_the_knowledge_app_reacts_to_procedure_changes():
    from madoguchi.knowledge.search.hooks import on_procedure_changed

    assert on_procedure_changed in events.subscribers("procedure.changed")
