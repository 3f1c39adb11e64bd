"""The command line speaks one language per run (issue 11): the locale's (LC_ALL, else LC_MESSAGES,
else LANG), Chinese for any Chinese locale, English otherwise — its own words, click's, the
services' refusals and the dates alike; the data (names of places and unions) stays as stored."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from projectunion.i18n import _, cli_locale

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH = {"LANG": "C"}
CHINESE = {"LANG": "zh_CN.UTF-8"}


def without(output: str, *data: str) -> str:
    """The output without the stored names it shows (which are Chinese whatever the language)."""
    for name in data:
        output = output.replace(name, "")
    return output


@pytest.mark.parametrize(
    ("environ", "locale"),
    [
        ({}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_Hans_CN"),
        ({"LANG": "zh_CN.GB18030"}, "zh_Hans_CN"),
        ({"LANG": "zh_SG"}, "zh_Hans_CN"),
        ({"LANG": "zh_Hans_CN"}, "zh_Hans_CN"),
        ({"LANG": "zh"}, "zh_Hans_CN"),
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh_Hans_CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C", "LC_MESSAGES": "C", "LC_ALL": "zh_CN.UTF-8"}, "zh_Hans_CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": ""}, "zh_Hans_CN"),  # an empty variable counts as unset
    ],
)
def test_the_language_of_a_run_follows_the_posix_locale(environ, locale):
    assert cli_locale(environ) == locale


# --- one failing command, in each language --------------------------------------------------

UNKNOWN_JURISDICTION = ["users", "create", "x", "--role", "union_staff", "--jurisdiction", "999999"]


@pytest.mark.parametrize("lang", ["C", "POSIX", "en_US.UTF-8"])
def test_a_refusal_is_in_english_on_an_english_or_plain_system(runner, f, lang):
    f.city  # noqa: B018
    result = runner.invoke(args=UNKNOWN_JURISDICTION, env={"LANG": lang})
    assert result.exit_code == 2
    assert "Error: Invalid value for '--jurisdiction': unknown jurisdiction 999999" in result.output
    assert "Usage: projectunion users create" in result.output
    assert not CJK.search(result.output)


def test_a_refusal_is_in_chinese_on_a_chinese_system(runner, f):
    f.city  # noqa: B018
    result = runner.invoke(args=UNKNOWN_JURISDICTION, env=CHINESE)
    assert result.exit_code == 2
    assert "错误：'--jurisdiction' 的值无效：没有代码为 999999 的管辖区域" in result.output
    assert "用法:" in result.output
    assert "Error" not in result.output and "Invalid value" not in result.output and "Usage" not in result.output


@pytest.mark.parametrize(
    ("env", "chinese"),
    [
        ({"LANG": "C", "LC_ALL": "zh_CN.UTF-8"}, True),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, False),
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, True),
    ],
)
def test_lc_all_and_lc_messages_override_lang(runner, f, env, chinese):
    f.city  # noqa: B018
    output = runner.invoke(args=UNKNOWN_JURISDICTION, env=env).output
    assert ("没有代码为 999999 的管辖区域" in output) is chinese
    assert ("unknown jurisdiction 999999" in output) is not chinese


def test_click_refusing_an_option_speaks_the_language_of_the_run(runner):
    english = runner.invoke(args=["users", "create", "x", "--role", "boss"], env=ENGLISH)
    assert "Error: Invalid value for '--role': 'boss' is not one of 'officer'" in english.output
    chinese = runner.invoke(args=["users", "create", "x", "--role", "boss"], env=CHINESE)
    assert "错误：'--role' 的值无效：'boss' 不是可选值 'officer'" in chinese.output
    missing = runner.invoke(args=["users", "create", "x"], env=CHINESE)
    assert missing.exit_code == 2 and "缺少选项 '--role'" in missing.output and "Missing" not in missing.output


# --- the services' refusals (lazy messages) follow the run, not the app's default (Chinese) ----


def test_a_service_refusal_is_in_english_on_an_english_system(runner, f):
    f.city  # noqa: B018
    result = runner.invoke(args=["users", "create", "nobody", "--role", "union_staff"], env=ENGLISH)
    assert result.exit_code == 1
    assert "Some values are not valid." in result.output
    assert "--jurisdiction: Union staff need a jurisdiction." in result.output
    assert not CJK.search(result.output)


def test_a_service_refusal_is_in_chinese_on_a_chinese_system(runner, f):
    f.city  # noqa: B018
    result = runner.invoke(args=["users", "create", "nobody", "--role", "union_staff"], env=CHINESE)
    assert result.exit_code == 1
    assert "错误：部分填写内容无效。" in result.output
    assert "--jurisdiction: 工会工作人员需要指定管辖区域。" in result.output
    assert not re.search(r"[A-Za-z]{3,}", result.output.replace("--jurisdiction", ""))


def test_an_invalid_id_number_is_refused_in_the_language_of_the_run(runner):
    english = runner.invoke(args=["workers", "report"], input="12345\n", env=ENGLISH)
    assert english.exit_code == 1
    assert "Error: An ID number has 18 characters" in english.output and not CJK.search(english.output)
    chinese = runner.invoke(args=["workers", "report"], input="12345\n", env=CHINESE)
    assert chinese.exit_code == 1
    assert "错误：身份证号共18位" in chinese.output and "ID number" not in chinese.output


def test_a_bad_date_for_stats_is_refused_in_the_language_of_the_run(runner, f):
    f.city  # noqa: B018
    english = runner.invoke(args=["stats", "--from", "2024-02-30"], env=ENGLISH).output
    assert "--from: “2024-02-30” is not a date" in english and not CJK.search(english.replace("“", "").replace("”", ""))
    chinese = runner.invoke(args=["stats", "--from", "2024-02-30"], env=CHINESE).output
    assert "--from: “2024-02-30”不是日期" in chinese and "Error" not in chinese


# --- what a successful command prints ------------------------------------------------------


def test_jurisdictions_list_in_both_languages(runner, f):
    city = f.city
    english = runner.invoke(args=["jurisdictions", "list"], env=ENGLISH)
    assert english.exit_code == 0
    header, _rule, first, *rest = english.output.splitlines()
    assert header.split() == ["Code", "Level", "Jurisdiction"]
    assert first.split() == [city.code, "City", city.name]
    assert any(line.split()[:2] == ["371002", "District"] for line in rest)
    assert not CJK.search(without(english.output, *(line.split()[-1] for line in [first, *rest])))
    chinese = runner.invoke(args=["jurisdictions", "list"], env=CHINESE)
    header, _rule, first, *rest = chinese.output.splitlines()
    assert header.split() == ["代码", "级别", "管辖区域"]
    assert first.split() == [city.code, "市", city.name]
    assert not re.search(r"[A-Za-z]", chinese.output)


def test_unions_and_contractors_lists_label_their_codes_in_the_language(runner, f, company):
    union = f.regional_union(name="羊亭镇区域工会")
    english = runner.invoke(args=["unions", "list", "--kind", "regional"], env=ENGLISH).output
    assert english.splitlines()[0].split() == ["Union", "id", "Kind", "State", "Jurisdiction", "code", "Union"]
    assert "Regional union" in english and union.name in english
    chinese = runner.invoke(args=["unions", "list", "--kind", "regional"], env=CHINESE).output
    assert chinese.splitlines()[0].split() == ["工会编号", "类型", "状态", "管辖区域代码", "工会"]
    assert "区域工会" in chinese and "regional" not in chinese
    companies = runner.invoke(args=["contractors", "list"], env=CHINESE).output
    assert companies.splitlines()[0].split() == ["统一社会信用代码", "类型", "所属企业"]
    assert company.uscc in companies and company.name in companies


def test_stats_in_english_has_no_chinese_but_the_place_and_in_chinese_no_english_words(runner, f):
    city = f.city
    args = ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2025-01-31"]
    english = runner.invoke(args=args, env=ENGLISH)
    assert english.exit_code == 0, english.output
    assert english.output.startswith(f"{city.name}: Jan 1, 2024 – Dec 31, 2024, as of Jan 31, 2025")
    assert english.output.splitlines()[1].split() == ["total", "value", "what", "it", "counts"]
    assert not CJK.search(without(english.output, city.name))
    chinese = runner.invoke(args=args, env=CHINESE)
    assert chinese.exit_code == 0, chinese.output
    lines = chinese.output.splitlines()
    assert lines[0] == f"{city.name}：2024年1月1日 – 2024年12月31日，截至2025年1月31日（统计到2024年12月31日）"
    assert lines[1].split() == ["指标", "数值", "含义"]
    active = next(line for line in lines if line.startswith("active_members "))
    assert active.split()[-1] == "在册会员"  # the total keeps its API name; what it counts is in Chinese
    by_month = runner.invoke(args=[*args, "--by", "month"], env=CHINESE).output
    assert "期末值" in by_month and "snapshot" not in by_month and "合计方式" in by_month


def test_machine_output_is_the_same_in_both_languages(runner, f):
    f.city  # noqa: B018
    args = ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2025-01-31", "--format"]
    for fmt in ("json", "csv"):
        english = runner.invoke(args=[*args, fmt], env=ENGLISH).output
        assert runner.invoke(args=[*args, fmt], env=CHINESE).output == english
    assert '"as_of": "2025-01-31"' in runner.invoke(args=[*args, "json"], env=CHINESE).output


def test_a_successful_command_reports_in_the_language_of_the_run(runner, f):
    f.city  # noqa: B018
    english = runner.invoke(args=["users", "create", "hc", "--role", "union_staff", "--jurisdiction", "371002"])
    assert english.exit_code == 0 and english.output.startswith("Created District / town union staff hc with")
    chinese = runner.invoke(
        args=["users", "create", "hc2", "--role", "union_staff", "--jurisdiction", "371002"], env=CHINESE
    )
    assert chinese.exit_code == 0 and chinese.output.startswith("已创建区/镇街工会工作人员账号 hc2，密码：")


def test_retention_dates_follow_the_language(runner, monkeypatch):
    from projectunion import dates

    monkeypatch.setattr(dates, "today", lambda: dt.date(2026, 12, 2))
    english = runner.invoke(args=["retention", "run", "--dry-run"], env=ENGLISH).output
    assert "on or before Dec 2, 2021 (5 years)" in english
    chinese = runner.invoke(args=["retention", "run", "--dry-run"], env=CHINESE).output
    assert chinese.startswith("已到期，未做改动：0 人，其项目工会于2021年12月2日或之前撤销（5 年）")


def test_help_is_in_the_language_of_the_run(runner):
    english = runner.invoke(args=["users", "create", "--help"], env=ENGLISH).output
    assert "Create the account USERNAME." in english and "[required]" in english and not CJK.search(english)
    chinese = runner.invoke(args=["users", "create", "--help"], env=CHINESE).output
    assert "创建账号 USERNAME。" in chinese and "[必填]" in chinese and "显示本帮助并退出。" in chinese
    assert "Show this message" not in chinese and "required" not in chinese
    group = runner.invoke(args=["users", "--help"], env=CHINESE).output
    assert "账号和接口令牌。" in group and "命令:" in group


def test_a_run_leaves_no_language_behind(runner, app, f):
    """A Chinese run, then an English one, then the app's own default again (Chinese, outside a run)."""
    f.city  # noqa: B018
    assert "没有代码为" in runner.invoke(args=UNKNOWN_JURISDICTION, env=CHINESE).output
    assert "unknown jurisdiction" in runner.invoke(args=UNKNOWN_JURISDICTION, env=ENGLISH).output
    assert _("Code") == "代码"
