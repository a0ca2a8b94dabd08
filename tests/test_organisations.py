import pytest

from loaders.organisations import Directory, guess_kind
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def directory():
    return Directory.from_reference(ROOT / "data" / "reference")


@pytest.fixture(scope="module")
def quzhou(directory):
    return directory.city_of("衢州市人民政府办公室")


def names(units):
    return [(u.name, u.kind, u.jurisdiction_code, u.known) for u in units]


def test_city_of_issuer(directory, quzhou):
    assert quzhou.name == "衢州市"
    assert directory.city_of("某某市人民政府") is None


@pytest.mark.parametrize("raw, expected", [
    ("柯城区政府", [("柯城区政府", "county_government", "330802", True)]),
    ("柯城区", [("柯城区政府", "county_government", "330802", True)]),
    ("江山", [("江山市政府", "county_government", "330881", True)]),
    ("龙游县人民政府", [("龙游县政府", "county_government", "330825", True)]),
    ("衢职院", [("衢州职业技术学院", "institution", None, True)]),
    ("智造新城管委会", [("智造新城管委会", "zone_committee", "330800-ZZ", True)]),
    ("市发改委", [("市发改委", "department", None, True)]),
    ("市 发改委", [("市发改委", "department", None, True)]),
    ("市发展和改革委员会", [("市发改委", "department", None, True)]),
    ("国网衢州供电公司", [("市供电公司", "enterprise", None, True)]),
    ("衢控集团", [("衢控集团", "enterprise", None, True)]),
    ("市低空经济办", [("市低空经济办", "department", None, False)]),   # not in the directory: kind guessed
    ("市 新设集团", [("市新设集团", "enterprise", None, False)]),
])
def test_resolve(directory, quzhou, raw, expected):
    assert names(directory.resolve(raw, quzhou)) == expected


def test_all_counties_expand_to_six_governments(directory, quzhou):
    units = directory.resolve("各县（市、区）政府", quzhou)
    assert [u.name for u in units] == ["柯城区政府", "衢江区政府", "常山县政府", "开化县政府", "龙游县政府", "江山市政府"]
    assert {u.raw for u in units} == {"各县（市、区）政府"}


def test_all_counties_without_a_known_city_stays_a_group(directory):
    assert names(directory.resolve("各县（市、区）政府", None)) == [("各县（市、区）政府", "group", None, False)]


@pytest.mark.parametrize("name, kind", [
    ("市城镇化建设领导小组办公室成员单位", "group"), ("智慧新城管委会", "zone_committee"),
    ("国网衢州供电公司", "enterprise"), ("市委宣传部", "party"), ("团市委", "party"),
    ("衢州学院", "institution"), ("市司法局", "department"), ("某县人民政府", "government"),
])
def test_guess_kind(name, kind):
    assert guess_kind(name) == kind
