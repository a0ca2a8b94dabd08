"""Status thresholds: defaults, the shipped file, and the errors a bad file gives."""
import dataclasses
import json
import re
from pathlib import Path

import pytest

from tracker.settings import (
    DEFAULT_SETTINGS_PATH,
    StatusSettings,
    load_settings,
    valid_keys,
)

ROOT = Path(__file__).resolve().parent.parent
VALID = (
    "behind_points, far_behind_points, near_deadline_days, "
    "about_tolerance_percent, report_fresh_months"
)


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "settings.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    assert dataclasses.asdict(StatusSettings()) == {
        "behind_points": 5.0,
        "far_behind_points": 20.0,
        "near_deadline_days": 30,
        "about_tolerance_percent": 5.0,
        "report_fresh_months": 0,
    }


def test_valid_keys_in_declaration_order():
    assert ", ".join(valid_keys()) == VALID


def test_no_path_gives_defaults():
    assert load_settings(None) == StatusSettings()


def test_shipped_file_holds_the_defaults():
    assert DEFAULT_SETTINGS_PATH == ROOT / "data" / "settings.json"
    assert json.loads(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8")) == dataclasses.asdict(
        StatusSettings()
    )
    assert load_settings(DEFAULT_SETTINGS_PATH) == StatusSettings()


def test_partial_file_keeps_other_defaults(tmp_path):
    settings = load_settings(write(tmp_path, {"behind_points": 8, "near_deadline_days": 0}))
    assert settings == StatusSettings(behind_points=8.0, near_deadline_days=0)
    assert settings.behind_points == 8.0 and type(settings.behind_points) is float
    assert settings.far_behind_points == 20.0


def test_empty_object_gives_defaults(tmp_path):
    assert load_settings(write(tmp_path, {})) == StatusSettings()


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        StatusSettings().behind_points = 1.0  # type: ignore[misc]


def test_unknown_key_names_key_and_valid_keys(tmp_path):
    path = write(tmp_path, {"behind_point": 5})
    expected = (
        f"{path}: unknown setting 'behind_point'; did you mean 'behind_points'? "
        f"(valid keys: {VALID})"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        load_settings(path)


def test_unknown_key_without_close_match(tmp_path):
    path = write(tmp_path, {"颜色": "red"})
    with pytest.raises(ValueError, match=re.escape(f"unknown setting '颜色' (valid keys: {VALID})")):
        load_settings(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ({"behind_points": "5"}, "setting 'behind_points' must be a number, got str '5'"),
        ({"behind_points": True}, "setting 'behind_points' must be a number, got bool True"),
        ({"behind_points": None}, "setting 'behind_points' must be a number, got NoneType None"),
        (
            {"near_deadline_days": 30.5},
            "setting 'near_deadline_days' must be a whole number, got float 30.5",
        ),
        (
            {"report_fresh_months": "1"},
            "setting 'report_fresh_months' must be a whole number, got str '1'",
        ),
        ({"behind_points": -1}, "setting 'behind_points' must be >= 0, got -1"),
        (
            {"behind_points": 25},
            "setting 'far_behind_points' (20.0) must be >= 'behind_points' (25.0)",
        ),
        ([5, 20], "expected a JSON object of settings, got list"),
        ("{\n  \"behind_points\": 5,\n}", "not valid JSON (line 3, column 1"),
    ],
    ids=["str", "bool", "null", "float-for-int", "str-for-int", "negative", "far<behind",
         "not-object", "bad-json"],
)
def test_bad_files(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(ValueError) as info:
        load_settings(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "absent.json")


def test_constructor_checks_types_too():
    with pytest.raises(ValueError, match="setting 'near_deadline_days' must be a whole number"):
        StatusSettings(near_deadline_days=1.5)  # type: ignore[arg-type]


def test_streamlit_refuses_uploads_far_above_the_application_s_own_limits():
    """.streamlit/config.toml caps what the server takes in (Streamlit's default is 200 MB); the
    application's limits, which answer in Chinese, stay below the cap so their messages are seen."""
    import tomllib

    from loaders.sheet_reader import MAX_BYTES
    from tests.conftest import ROOT
    from tracker.actions import MAX_EVIDENCE_BYTES

    cap = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert max(MAX_BYTES, MAX_EVIDENCE_BYTES) < cap * 1024 * 1024 <= 50 * 1024 * 1024
