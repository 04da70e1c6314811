"""Tiny random-weight models for tests: the real transformers code paths without any hub download.

Each builder trains a word-level tokenizer on the fly with `tokenizers`, builds a model from a small
config with random weights, and saves both to a folder that the normal config/loader code then reads
exactly as it reads a downloaded model. Outputs are meaningless; shapes, routing and plumbing are real.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerFast

CORPUS = [
    "hello where is my order",
    "thanks for the help",
    "ola onde esta o meu pedido",
    "obrigado pela ajuda",
    "hallo wo ist meine bestellung",
    "danke fur die hilfe",
    "great service i love it",
    "terrible service i hate it",
]


def _word_tokenizer(out: Path, specials: list[str], template: tuple[str, str] | None) -> PreTrainedTokenizerFast:
    """A PreTrainedTokenizerFast (word level) saved in `out`; returns it."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(CORPUS, trainers.WordLevelTrainer(special_tokens=specials))
    if template is not None:
        single, pair = template
        used = [s for s in specials if s in single or s in pair]
        tok.post_processor = processors.TemplateProcessing(
            single=single, pair=pair, special_tokens=[(s, tok.token_to_id(s)) for s in used]
        )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        additional_special_tokens=[s for s in specials if s.startswith("__") or s.endswith("_Latn")],
    )
    out.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(out))
    return fast


# The size every tiny encoder-decoder shares: big enough to run generate(), small enough to build in a test.
TINY_SEQ2SEQ: dict[str, Any] = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "max_position_embeddings": 64,
}


# The size every tiny BERT shares, and its tokenizer's specials and template.
TINY_BERT: dict[str, Any] = {
    "hidden_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 64,
    "pad_token_id": 0,
}
BERT_SPECIALS = ["<pad>", "</s>", "<unk>", "[CLS]", "[SEP]"]
BERT_TEMPLATE = ("[CLS] $A [SEP]", "[CLS] $A [SEP] $B [SEP]")


SEQ2SEQ_SPECIALS = ["<pad>", "</s>", "<unk>"]
SEQ2SEQ_TEMPLATE = ("$A </s>", "$A $B </s>")


def _build_seq2seq(
    out: Path,
    config_cls: Callable[..., PretrainedConfig],
    model_cls: type[PreTrainedModel],
    extra_specials: list[str],
    **token_ids: Any,
) -> Path:
    """A TINY_SEQ2SEQ-sized `model_cls` (pad 0, eos 1, plus `token_ids`) and its tokenizer, saved in `out`."""
    tok = _word_tokenizer(out, [*SEQ2SEQ_SPECIALS, *extra_specials], SEQ2SEQ_TEMPLATE)
    config = config_cls(vocab_size=len(tok), **TINY_SEQ2SEQ, pad_token_id=0, eos_token_id=1, **token_ids)
    model_cls(config).save_pretrained(str(out))
    return out


def build_marian(out: Path) -> Path:
    """A two-layer MarianMT model (one language pair, as opus-mt models are)."""
    from transformers import MarianConfig, MarianMTModel

    return _build_seq2seq(out, MarianConfig, MarianMTModel, [], decoder_start_token_id=0, forced_eos_token_id=1)


def build_m2m100(out: Path, language_tokens: list[str]) -> Path:
    """A tiny many-to-many M2M100 model whose vocabulary holds the given language tokens (`__pt__`...)."""
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    return _build_seq2seq(
        out, M2M100Config, M2M100ForConditionalGeneration, language_tokens, decoder_start_token_id=1, bos_token_id=0
    )


def build_sequence_classifier(out: Path, labels: list[str]) -> Path:
    """A tiny BERT sequence classifier whose config names the given labels."""
    from transformers import BertConfig, BertForSequenceClassification

    tok = _word_tokenizer(out, BERT_SPECIALS, BERT_TEMPLATE)
    config = BertConfig(
        vocab_size=len(tok),
        **TINY_BERT,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(str(out))
    return out


def build_sentence_transformer(out: Path) -> Path:
    """A tiny BERT encoder with mean pooling, saved as a sentence-transformers folder."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as st_models
    from transformers import BertConfig, BertModel

    hf_dir = out.parent / f"{out.name}-hf"
    tok = _word_tokenizer(hf_dir, BERT_SPECIALS, BERT_TEMPLATE)
    config = BertConfig(vocab_size=len(tok), **TINY_BERT)
    BertModel(config).save_pretrained(str(hf_dir))
    word = st_models.Transformer(str(hf_dir), max_seq_length=32)
    getter = getattr(word, "get_embedding_dimension", None) or word.get_word_embedding_dimension
    pooling = st_models.Pooling(getter(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(out))
    return out
