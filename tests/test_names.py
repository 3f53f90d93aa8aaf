import pytest

from prens.rules.names import check_name, normalise_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("budi santoso", "BUDI SANTOSO"),
        ("  Siti   Rahmah ", "SITI RAHMAH"),
        ("Ju'ariah", "JU'ARIAH"),
        ("M. Ridwan", "M. RIDWAN"),
        ("Ahmad-Fauzi", "AHMAD-FAUZI"),
    ],
)
def test_names_are_normalised(raw: str, name: str) -> None:
    assert normalise_name(raw) == name
    assert check_name(raw) == (name, [])


@pytest.mark.parametrize(
    ("raw", "titles"),
    [
        ("Hj. Siti Rahmah", "Hj."),
        ("Drs. H. Ahmad", "DRS., H."),
        ("Ahmad Fauzi, S.Pd", "S.PD"),
        ("Rahmat S.E.", "S.E."),
        ("Nur Aini A.Md", "A.MD"),
    ],
)
def test_titles_are_flagged_not_removed(raw: str, titles: str) -> None:
    name, problems = check_name(raw)
    assert name == normalise_name(raw)
    assert [p.code for p in problems] == ["name_title"]
    assert problems[0].severity == "warning"
    for title in titles.split(", "):
        assert title.upper() in problems[0].message.upper()


@pytest.mark.parametrize("raw", ["Budi 2", '=HYPERLINK("x")', "@budi", "B", "..", "0812345"])
def test_bad_names(raw: str) -> None:
    assert [p.code for p in check_name(raw)[1]] == ["name_format"]
