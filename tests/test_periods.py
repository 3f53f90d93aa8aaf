"""Budget periods in configuration: read, refused in words when unusable, warned about by
check-config and doctor; none configured is one open-ended period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from prens.cli import main
from prens.config import load_settings
from prens.doctor import run_checks
from prens.errors import ConfigError
from prens.rules.periods import OPEN_NAME, Period, period_on, refusals, warnings
from prens.runtime import open_runtime
from tests.conftest import write_config

TWO_YEARS = """
[[periods]]
name = "2025"
start = 2025-01-01
end = 2025-12-31
budget = 1_008_000
quota = 5
months = 12

[[periods]]
name = "2026"
start = 2026-01-01
end = 2026-12-31
budget = 2_092_600_000
quota = 10000
months = 12
contribution_per_month = 17000
"""


def with_periods(tmp_path: Path, text: str) -> Path:
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def test_no_periods_is_one_open_ended_period(settings) -> None:  # type: ignore[no-untyped-def]
    (only,) = settings.periods
    assert only.name == OPEN_NAME and only.quota == 0 and only.months == 12
    assert settings.period_on(date(1990, 1, 1)) == settings.period_on(date(2099, 12, 31)) == only


def test_periods_are_read(tmp_path: Path) -> None:
    s = load_settings(with_periods(tmp_path, TWO_YEARS))
    first, second = s.periods
    assert (first.name, first.start, first.end, first.quota) == (
        "2025",
        date(2025, 1, 1),
        date(2025, 12, 31),
        5,
    )
    assert first.contribution_per_month == 16800  # from [eligibility]
    assert second.contribution_per_month == 17000
    assert s.period_on(date(2026, 1, 1)) == second and s.period_on(date(2027, 1, 1)) is None


def test_a_quoted_date_is_read_as_people_write_it(tmp_path: Path) -> None:
    # `start = "2026-01-01"` (quoted, as most people write dates) was refused without a reason.
    quoted = TWO_YEARS.replace("start = 2025-01-01", 'start = "2025-01-01"')
    quoted = quoted.replace("end = 2025-12-31", "end = ' 2025-12-31 '")
    first = load_settings(with_periods(tmp_path, quoted)).periods[0]
    assert (first.start, first.end) == (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("end = 2025-12-31", "end = 2024-12-31"), "periods[0].end"),  # reversed
        (("start = 2026-01-01", "start = 2025-06-01"), "periods[1].start"),  # overlap
        (('name = "2026"', 'name = "2025"'), "periods[1].name"),  # twice
        (("months = 12\n\n[[periods]]", "months = 13\n\n[[periods]]"), "periods[0].months"),
        (("quota = 5", "quota = -1"), "periods[0].quota"),
        (("start = 2025-01-01", 'start = "01-01-2025"'), "periods[0].start"),  # day first
        (("start = 2025-01-01", 'start = "2025-02-30"'), "periods[0].start"),  # no such day
        (("start = 2025-01-01", "start = 2025-01-01T08:00:00"), "periods[0].start"),
        (("quota = 5", "quota = 5\nkuota = 6"), "periods[0].kuota"),
    ],
)
def test_unusable_periods_are_refused_in_words(tmp_path: Path, change, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as refused:
        load_settings(with_periods(tmp_path, TWO_YEARS.replace(*change, 1)))
    assert refused.value.key == key and refused.value.expected


def test_warnings() -> None:
    p2025 = Period("2025", date(2025, 1, 1), date(2025, 12, 31), 1_000_000, 5, 12, 16800)
    assert refusals([p2025]) == []
    found = warnings([p2025], date(2025, 11, 15))
    # 5 × 12 × 16.800 = 1.008.000 > 1.000.000; and nothing follows 2025 with 46 days left.
    assert any("Rp 1.008.000 melebihi pagu Rp 1.000.000" in w for w in found)
    assert any("belum ada periode sesudahnya" in w for w in found)
    assert any("tidak termasuk periode" in w for w in warnings([p2025], date(2026, 2, 1)))
    assert period_on([p2025], date(2025, 12, 31)) == p2025


def test_check_config_and_doctor_say_so(tmp_path: Path) -> None:
    # Periods that cannot cover any day the suite runs on (the clock is the real one here).
    past = TWO_YEARS.replace("2026-12-31", "2026-01-31").replace(
        "months = 12\ncontribution_per_month", "months = 1\ncontribution_per_month"
    )
    config = with_periods(tmp_path, past)
    result = CliRunner().invoke(main, ["--config", str(config), "check-config"])
    assert result.exit_code == 0, result.output
    assert "periode 2025: 01-01-2025 s.d. 31-12-2025, kuota 5 orang, pagu Rp 1.008.000" in (
        result.output
    )
    runtime = open_runtime(load_settings(config))
    try:
        checks = {c.subject: c for c in run_checks(runtime, datetime(2026, 1, 10, tzinfo=UTC))}
        assert checks["Periode anggaran"].status == "PERINGATAN"
        assert "periode 2026" in checks["Periode anggaran"].detail
        assert "berakhir 31-01-2026" in checks["Periode anggaran"].detail
        later = {c.subject: c for c in run_checks(runtime, datetime(2027, 3, 1, tzinfo=UTC))}
        assert "tidak termasuk periode" in later["Periode anggaran"].detail
        during = {c.subject: c for c in run_checks(runtime, datetime(2025, 3, 1, tzinfo=UTC))}
        assert during["Periode anggaran"].status == "OK"
        assert "0 dari kuota 5 orang terisi" in during["Periode anggaran"].detail
    finally:
        runtime.close()


def test_the_commented_example_is_a_working_period(tmp_path: Path) -> None:
    from tests.conftest import EXAMPLE_CONFIG

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    block = text[text.index("# [[periods]]") :].splitlines()
    uncommented = "\n".join(line[2:] for line in block if line.startswith("# ")) + "\n"
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "```toml\n" + uncommented + "```" in readme  # the README shows the same
    (period,) = load_settings(with_periods(tmp_path, "\n" + uncommented)).periods
    assert (period.name, period.start, period.quota) == ("2026", date(2026, 1, 1), 10000)
