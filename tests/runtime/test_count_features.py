"""Patch 14 (bot/runtime/rasa_patches.py): n-grams counted directly give the matrix
Rasa makes with sklearn (``transform``, ``sort_indices``, ``tocoo``): same entries, same
order, same dtypes, every attribute scipy sets (the patch builds the matrix without scipy's
constructor), for the vectorizers Rasa configures and the texts of the NLU data."""
import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from bot.runtime.rasa_patches import counted
from bot.settings import PROJECT_ROOT
from bot.trainer.evaluation import DEFAULT_DATA, load_examples
from tests.support.matrices import same_matrix_state

# The training examples and the held-out ones (fitted on every other one of them).
TEXTS = [text for folder in (PROJECT_ROOT / "data" / "nlu", DEFAULT_DATA)
         for _, _, text in load_examples(folder)]
# Messages the training data has not seen: unknown words, digits, symbols, an emoji.
UNSEEN = ["zzkj hhhq wpow", "Konto 1930 är INTE aktivt!!", "ab", "🙂 ok", "a", "__NUMBER__ x"]


def rasas(vectorizer, documents):
    matrix = vectorizer.transform(documents)
    matrix.sort_indices()
    return matrix.tocoo()


# As Rasa's CountVectorsFeaturizer makes them (config.yml: a word one, a char_wb 2-4 one).
VECTORIZERS = {
    "word": dict(token_pattern=r"(?u)\b\w+\b", lowercase=True),
    "char_wb 2-4": dict(analyzer="char_wb", ngram_range=(2, 4), lowercase=True),
    "char 1-3 binary": dict(analyzer="char", ngram_range=(1, 3), binary=True),
    "word 1-2 float": dict(ngram_range=(1, 2), dtype=np.float32, max_features=300),
}


@pytest.fixture(scope="module", params=list(VECTORIZERS))
def vectorizer(request):
    return CountVectorizer(**VECTORIZERS[request.param]).fit(TEXTS[::2])


def test_every_text_as_tokens_and_as_a_sentence(vectorizer):
    assert len(TEXTS) > 2000
    for text in TEXTS + UNSEEN:
        tokens = text.split() or [text]
        same_matrix_state(counted(vectorizer, tokens), rasas(vectorizer, tokens))
        same_matrix_state(counted(vectorizer, [" ".join(tokens)]), rasas(vectorizer, [" ".join(tokens)]))


def test_a_loaded_vectorizer_is_checked_by_sklearn_first():
    """Rasa loads a vectorizer with its vocabulary as a parameter: sklearn's first
    transform checks and sets it; the counts are the same before and after."""
    fitted = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(TEXTS)
    loaded = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                             vocabulary=fitted.vocabulary_)
    first = counted(loaded, ["konto 1930"])
    same_matrix_state(first, rasas(fitted, ["konto 1930"]))
    same_matrix_state(counted(loaded, ["konto 1930"]), first)


def test_an_unfitted_vectorizer_fails_as_sklearns():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        counted(CountVectorizer(), ["hello"])
