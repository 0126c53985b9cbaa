"""Each message gets its language's spaCy pipeline, and a process builds each only once."""
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.bilingual_spacy import BilingualSpacyNLP


def component(tmp_path):
    return BilingualSpacyNLP.create({}, LocalModelStorage(tmp_path), Resource("spacy"),
                                    ExecutionContext({}, "test"))


def test_swedish_and_english_words_get_their_own_lemmas(tmp_path):
    nlp = component(tmp_path)
    messages = nlp.process([Message({"text": "kontot är inte aktivt"}),
                            Message({"text": "the accounts were not active"})],
                           nlp.provide())
    swedish, english = (message.get("text_spacy_doc") for message in messages)
    assert [token.lemma_ for token in swedish][0] == "konto"
    assert [token.lemma_ for token in english][1] == "account"


def test_the_two_nodes_of_a_model_share_the_pipelines(tmp_path):
    """Rasa makes this component twice per model; the Swedish lemma table takes 3 s."""
    first, second = component(tmp_path / "a"), component(tmp_path / "b")
    assert first.pipeline_for("kontot är inte aktivt") is second.pipeline_for("perioden är låst")
    assert first.provide().model is second.provide().model
