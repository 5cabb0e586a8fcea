"""Request validation against limits and the engine's declared capabilities."""

import pytest

from imagegen.contract import EngineInfo, ModelLimits, SizeRange
from imagegen.services.catalog import Catalog
from imagegen.services.errors import InvalidInput
from imagegen.services.generations import GenerationRequest, validate_request

ENGINE = EngineInfo(
    name="procedural",
    label="Procedural (built-in)",
    available=True,
    reason=None,
    models=["procedural-v1"],
    default_model="procedural-v1",
    sizes=[(512, 512), (1024, 1024)],
    max_images=4,
    supports_seed=True,
    supports_negative_prompt=True,
)
DOWN = EngineInfo(
    **{**ENGINE.__dict__, "name": "a1111", "available": False, "reason": "connection refused"}
)
CATALOG = Catalog(default="procedural", engines={"procedural": ENGINE, "a1111": DOWN})


def check(**kw):
    return validate_request(GenerationRequest(**kw), CATALOG)


def test_an_engine_with_a_size_range_takes_any_size_inside_it(app_env):
    """A1111, ComfyUI and diffusers take any size in steps of 8: 512x768 is SD 1.5's portrait."""
    free = ENGINE.model_copy(update={"size_range": SizeRange(min=64, max=2048, step=8)})
    catalog = Catalog(default="procedural", engines={"procedural": free})
    p = validate_request(GenerationRequest(prompt="a", width=512, height=768), catalog)
    assert (p.width, p.height) == (512, 768)
    for w, h in ((1001, 1001), (4096, 512), (32, 32)):
        with pytest.raises(InvalidInput) as e:
            validate_request(GenerationRequest(prompt="a", width=w, height=h), catalog)
        assert e.value.field == "width"
        assert e.value.message == (
            "Procedural (built-in) (procedural-v1) makes widths and heights from 64 to 2048 in"
            f" steps of 8, not {w}x{h}."
        )
    # A model with its own list (as OpenAI's) keeps to it.
    listed = free.model_copy(
        update={"model_limits": {"procedural-v1": ModelLimits(sizes=[(512, 512)], max_images=1)}}
    )
    strict = Catalog(default="procedural", engines={"procedural": listed})
    with pytest.raises(InvalidInput, match="cannot make 512x768; choose one of: 512x512"):
        validate_request(GenerationRequest(prompt="a", width=512, height=768), strict)


def test_defaults_are_filled_in(app_env):
    p = check(prompt="  a cat  ")
    assert (p.prompt, p.width, p.height, p.num_images) == ("a cat", 1024, 1024, 1)
    assert (p.engine, p.model) == ("procedural", "procedural-v1")
    assert 0 <= p.seed < 2**32


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"prompt": "   "}, "prompt", "empty"),
        ({"prompt": "x" * 2001}, "prompt", "limit is 2000"),
        ({"prompt": "a", "negative_prompt": "y" * 2001}, "negativePrompt", "limit"),
        ({"prompt": "a", "num_images": 0}, "numImages", "between 1 and 4"),
        ({"prompt": "a", "num_images": 5}, "numImages", "between 1 and 4"),
        ({"prompt": "a", "seed": -1}, "seed", "between 0"),
        ({"prompt": "a", "seed": 2**32}, "seed", "between 0"),
        ({"prompt": "a", "width": 1000, "height": 1000}, "width", "cannot make 1000x1000"),
        ({"prompt": "a", "width": 512}, "width", "both"),
        ({"prompt": "a", "engine": "dalle"}, "engine", "Unknown engine"),
        ({"prompt": "a", "engine": "a1111"}, "engine", "connection refused"),
        ({"prompt": "a", "model": "sdxl"}, "model", "no model"),
    ],
)
def test_bad_requests_get_a_clear_message_naming_the_field(app_env, kw, field, words):
    with pytest.raises(InvalidInput) as e:
        check(**kw)
    assert e.value.field == field and words in e.value.message


def test_prompt_of_exactly_the_limit_is_accepted(app_env):
    assert len(check(prompt="x" * 2000).prompt) == 2000


def test_unicode_emoji_and_rtl_prompts_are_kept(app_env):
    prompt = "Un chat mignon 🐱 — قطة لطيفة — 可爱的猫"
    assert check(prompt=prompt).prompt == prompt
