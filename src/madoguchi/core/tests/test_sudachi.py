"""One Sudachi dictionary per process: the search's analyzer and the name masking share it."""

import threading

from madoguchi.core import person_names, sudachi
from madoguchi.knowledge.search import analyzer


def test_the_search_and_the_name_masking_use_one_dictionary_and_one_tokenizer_per_thread():
    assert analyzer.terms("住所変更") and person_names.person_name_spans("山田さん") == [(0, 2)]
    here = sudachi.tokenizer()
    assert analyzer._tokenizer() is here and person_names._tokenizer() is here
    other: list = []
    thread = threading.Thread(target=lambda: other.append(sudachi.tokenizer()))
    thread.start()
    thread.join()
    assert other[0] is not here  # tokenizers are per thread, over the same dictionary
    assert sudachi.dictionary() is sudachi.dictionary()
