import datetime

import pytest
from cryptography.fernet import InvalidToken

from projectunion.realname import (
    PROVINCES,
    IdProtector,
    RealNameError,
    age_on,
    check_min_age,
    mask_id_number,
    normalize_name,
    normalize_phone,
    parse_id_number,
)
from tests.factories import id_number

TODAY = datetime.date(2025, 6, 1)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
KEY = "k" * 32
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
ARABIC_INDIC = {ord("0") + i: 0x0660 + i for i in range(10)}


def make_id(first17: str) -> str:
    """A valid number, the check character computed independently of stdnum."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def error_code(raw: object) -> str:
    with pytest.raises(RealNameError) as info:
        parse_id_number(raw, today=TODAY)
    assert info.value.field == "id_number"
    return info.value.code


def test_known_example_number_has_check_x():
    assert make_id("11010519491231002") == "11010519491231002X"


def test_valid_number_gives_birth_date_gender_and_province():
    resident = parse_id_number(make_id("37100219650315123"), today=TODAY)
    assert resident.birth_date == datetime.date(1965, 3, 15)
    assert resident.gender == "M"
    assert resident.region_code == "371002"
    assert resident.province_code == "37"
    assert resident.province_name == "山东省"
    assert resident.warnings == ()


def test_even_sequence_digit_is_female():
    assert parse_id_number(make_id("11010519900101002"), today=TODAY).gender == "F"


def test_older_worker_with_county_created_after_birth_accepted():
    # 371002 (环翠区) was created in 1987; stdnum's validate() refuses this.
    resident = parse_id_number(make_id("37100219650315123"), today=TODAY)
    assert resident.number.startswith("371002")


def test_unknown_county_is_a_warning_not_a_refusal():
    resident = parse_id_number(make_id("37009919800101001"), today=TODAY)
    assert resident.warnings == ("unknown_county",)


def test_wrong_check_character_refused():
    number = make_id("11010519491231002")
    assert error_code(number[:-1] + "1") == "id_checksum"


def test_impossible_birth_date_refused():
    assert error_code(make_id("11010519990230001")) == "id_birth_date"


def test_future_birth_date_refused():
    assert error_code(make_id("11010520250602001")) == "id_birth_date"


def test_unknown_province_refused():
    assert error_code(make_id("99010519800101001")) == "id_province"


def test_15_digit_number_refused_asking_for_18():
    assert error_code("110105491231002") == "id_15_digits"


@pytest.mark.parametrize("raw", ["11010519491231002", "11010519491231002XX", "1101051949123100A2"])
def test_wrong_length_or_characters_refused(raw):
    assert error_code(raw) == "id_format"


@pytest.mark.parametrize("raw", [110105194912310020, 1.1010519491231002e17])
def test_numeric_input_refused_as_not_text(raw):
    assert error_code(raw) == "id_not_text"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_number_refused(raw):
    assert error_code(raw) == "id_required"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002X".translate(FULL_WIDTH),
        "110105 1949 1231 002X",
        " 110105\u300019491231002X\t",
        "11010519491231002x",
        "11010519491231002x".translate(FULL_WIDTH),
    ],
)
def test_full_width_spaces_and_lower_case_x_normalised(raw):
    assert parse_id_number(raw, today=TODAY).number == "11010519491231002X"


def test_non_ascii_digits_refused():
    assert error_code("11010519491231002X".translate(ARABIC_INDIC)) == "id_format"


def test_under_16_on_joining_day_refused():
    resident = parse_id_number(make_id("11010520090615001"), today=TODAY)
    with pytest.raises(RealNameError) as info:
        check_min_age(resident, datetime.date(2025, 6, 14))
    assert info.value.code == "under_age"
    assert info.value.params == {"minimum": 16, "age": 15}


def test_exactly_16_on_joining_day_accepted():
    resident = parse_id_number(make_id("11010520090615001"), today=TODAY)
    check_min_age(resident, datetime.date(2025, 6, 15))


def test_born_on_29_february_ages_on_1_march():
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2025, 2, 28)) == 16
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2025, 3, 1)) == 17


def test_messages_render_with_params_outside_app():
    with pytest.raises(RealNameError) as info:
        parse_id_number(make_id("99010519800101001"), today=TODAY)
    assert "99" in str(info.value.message)
    assert str(info.value) == str(info.value.message)


def test_provinces_cover_gb_t_2260():
    assert len(PROVINCES) == 34
    assert {"71", "81", "82"} <= PROVINCES.keys()


@pytest.mark.parametrize("dot", ["\u00b7", "\u2022", "\u30fb", "\u2027", "\u22c5", "\uff65", "\u2219"])
def test_middle_dot_look_alikes_mapped(dot):
    assert normalize_name(f"阿卜杜拉 {dot} 艾买提") == "阿卜杜拉·艾买提"


def test_name_trimmed_and_inner_spaces_collapsed():
    assert normalize_name("  Li\u3000\u3000Wei \n") == "Li Wei"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("黄 涛", "黄涛"),
        (" 黄\u3000涛 ", "黄涛"),
        ("欧阳  娜 娜", "欧阳娜娜"),
        ("𠮷 田", "𠮷田"),
        ("Ali 阿里", "Ali 阿里"),
    ],
)
def test_no_space_between_chinese_characters(typed, stored):
    assert normalize_name(typed) == stored


def test_a_worker_typed_with_a_space_is_the_same_person_without_it(f):
    """The field trial: "黄 涛" enrolled once, then typed "黄涛" on a roster, was refused as another name."""
    number = id_number(seq=77)
    first = f.enroll(f.active_union(members=1), id_number=number, name="黄 涛")
    assert first.worker.name == "黄涛"
    again = f.enroll(f.active_union(members=1), id_number=number, name="黄涛", transfer=True)
    assert again.worker_id == first.worker_id


def test_name_outside_bmp_counts_as_one_character():
    assert normalize_name("𠮷田") == "𠮷田"
    assert normalize_name("𠮷" * 50) == "𠮷" * 50


@pytest.mark.parametrize(
    "ch",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u2060",
        "\ufeff",
        "\x07",
        "\u202e",
    ],
)
def test_zero_width_and_control_characters_refused(ch):
    with pytest.raises(RealNameError) as info:
        normalize_name(f"张{ch}三")
    assert (info.value.field, info.value.code) == ("name", "name_chars")


def test_empty_name_refused():
    with pytest.raises(RealNameError) as info:
        normalize_name(" \u3000 ")
    assert info.value.code == "name_required"


def test_name_over_50_characters_refused():
    with pytest.raises(RealNameError) as info:
        normalize_name("张" * 51)
    assert info.value.code == "name_length"


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138 1234 5678",
        "86-138-1234-5678",
        "008613812345678",
        "138-1234-5678".translate(FULL_WIDTH),
        13812345678,
    ],
)
def test_phone_prefixes_and_separators_accepted(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty_phone_is_none(raw):
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",
        "1381234567",
        "138123456789",
        "010-12345678",
        "+1 13812345678",
        "0013812345678",
    ],
)
def test_bad_phone_refused(raw):
    with pytest.raises(RealNameError) as info:
        normalize_phone(raw)
    assert (info.value.field, info.value.code) == ("phone", "phone_format")


def test_mask_shows_only_the_province_and_the_last_two():
    assert mask_id_number("37100219650315123X") == "37**************3X"


def test_digest_stable_normalised_and_key_dependent():
    number = make_id("11010519491231002")
    protector = IdProtector(KEY)
    digest = protector.digest(number)
    assert len(digest) == 64
    assert digest == IdProtector(KEY).digest(" " + number.lower())
    assert digest != IdProtector("j" * 32).digest(number)


def test_encrypt_round_trips_and_is_not_deterministic():
    number = make_id("11010519491231002")
    protector = IdProtector(KEY.encode())
    first, second = protector.encrypt(number), protector.encrypt(number)
    assert first != second
    assert protector.decrypt(first) == protector.decrypt(second) == number
    with pytest.raises(InvalidToken):
        IdProtector("j" * 32).decrypt(first)


def test_short_key_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        IdProtector("short")
