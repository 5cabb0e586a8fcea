"""The built-in engine: real PNGs of the asked size, deterministic, parameters embedded."""

import io

from PIL import Image

from imagegen.worker.engines import RenderRequest, available_engines
from imagegen.worker.engines.procedural import ProceduralEngine


def _req(**kw):
    base = {"prompt": "a blue cat on a red roof", "width": 512, "height": 768, "seed": 42}
    return RenderRequest(**{**base, **kw})


def test_makes_real_pngs_of_the_requested_size_and_count():
    images = ProceduralEngine().generate(_req(num_images=3))
    assert len(images) == 3
    for img in images:
        pil = Image.open(io.BytesIO(img.data))
        assert pil.format == "PNG" and pil.size == (512, 768) == (img.width, img.height)


def test_same_prompt_seed_and_size_give_identical_bytes():
    a = ProceduralEngine().generate(_req())[0].data
    b = ProceduralEngine().generate(_req())[0].data
    assert a == b


def test_seed_prompt_and_image_index_each_change_the_picture():
    e = ProceduralEngine()
    base = e.generate(_req(num_images=2))
    assert base[0].data != base[1].data
    assert e.generate(_req(seed=43))[0].data != base[0].data
    assert e.generate(_req(prompt="a green dog"))[0].data != base[0].data


def test_png_carries_a1111_style_parameters():
    img = ProceduralEngine().generate(_req(negative_prompt="blurry", seed=9))[0]
    text = Image.open(io.BytesIO(img.data)).text["parameters"]
    lines = text.splitlines()
    assert lines[0] == "a blue cat on a red roof"
    assert lines[1] == "Negative prompt: blurry"
    assert "Seed: 9" in lines[2] and "Size: 512x768" in lines[2]


def test_is_shown_under_an_honest_name_with_its_capabilities():
    desc = available_engines()["procedural"].describe()
    assert desc["label"] == "Procedural (built-in)"
    assert desc["available"] is True and desc["maxImages"] == 4
    assert {"width": 1024, "height": 1024} in desc["sizes"]
    assert desc["supportsSeed"] and desc["supportsNegativePrompt"]
