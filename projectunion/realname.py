"""Real-name data rules: resident ID numbers, names and phones (docs/domain.md).

Pure functions, usable from forms, the roster importer, the API and the CLI
alike. Errors carry a field, a machine code and a lazy message, so a caller
can show them per row and column without knowing the rules.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from projectunion.i18n import _l

# GB/T 2260 province-level divisions.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省",
    "15": "内蒙古自治区", "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省",
    "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省",
    "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

DEFAULT_TIME_ZONE = ZoneInfo("Asia/Shanghai")
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
NAME_MAX_LENGTH = 50

_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID_15_RE = re.compile(r"[0-9]{15}")
_PHONE_RE = re.compile(r"(?:(?:\+|00)?86)?(1[3-9][0-9]{9})")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
# Middle-dot look-alikes typed instead of U+00B7 in minority names; NFKC
# leaves all of these alone.
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("\u2022\u30fb\uff65\u2027\u22c5\u2219\u0387\u16eb\u2e31\ua78f", "\u00b7"))
_AROUND_DOT = re.compile(r"\s*\u00b7\s*")
# Han characters (BMP and the supplementary planes) and 〇: a space between two of them is a typing slip.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# Cc (control), Cf (format: zero-width, bidi overrides, BOM), Cs, Zl, Zp.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class RealNameError(ValueError):
    """One invalid value.

    ``field`` is ``'id_number'``, ``'name'`` or ``'phone'``; ``code`` is stable
    for programs and tests; ``message`` is a lazy string with ``params``
    already interpolated, translated when rendered.
    """

    def __init__(self, field: str, code: str, message: Any, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class ResidentId:
    """A checked ID number and what it encodes; ``warnings`` never block."""

    number: str
    birth_date: datetime.date
    gender: str
    region_code: str
    province_code: str
    province_name: str
    warnings: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def normalize_id_number(raw: str) -> str:
    """Full-width to ASCII (NFKC), drop all whitespace, upper-case ``x``."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def _id_error(code: str, message: Any, **params: Any) -> RealNameError:
    return RealNameError("id_number", code, message, **params)


def parse_id_number(raw: object, *, today: datetime.date | None = None) -> ResidentId:
    """Check an 18-character resident ID and read what it encodes.

    Not ``stdnum.cn.ric.validate``: it refuses valid numbers whose county code
    was created after the birth year, which is common for older workers.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _id_error("id_required", _l("Enter the resident ID number."))
    if not isinstance(raw, str):
        raise _id_error(
            "id_not_text",
            _l(
                "The ID number must be text: Excel drops the last digits of "
                "numbers. Format the column as text and type it again."
            ),
        )
    number = normalize_id_number(raw)
    if _ID_15_RE.fullmatch(number):
        raise _id_error(
            "id_15_digits",
            _l("This is an old 15-digit ID number. Enter the 18-character number on the current ID card."),
        )
    if not _ID_RE.fullmatch(number):
        raise _id_error(
            "id_format",
            _l(
                "An ID number has 18 characters: 17 digits and a last digit or X (%(length)s given).",
                length=len(number),
            ),
            length=len(number),
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise _id_error(
            "id_checksum",
            _l("The ID number's check character does not match; a digit is probably mistyped."),
        )
    province_code = number[:2]
    if province_code not in PROVINCES:
        raise _id_error(
            "id_province",
            _l(
                "The ID number starts with %(prefix)s, which is not a province code.",
                prefix=province_code,
            ),
            prefix=province_code,
        )
    if today is None:
        today = datetime.datetime.now(DEFAULT_TIME_ZONE).date()
    try:
        birth_date = ric.get_birth_date(number)
    except ValidationError:
        birth_date = None
    if birth_date is None or not EARLIEST_BIRTH_DATE <= birth_date <= today:
        raise _id_error(
            "id_birth_date",
            _l(
                "The birth date in the ID number (%(digits)s) is not a real date in the past.",
                digits=number[6:14],
            ),
            digits=number[6:14],
        )
    return ResidentId(
        number=number,
        birth_date=birth_date,
        gender="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        province_code=province_code,
        province_name=PROVINCES[province_code],
        warnings=() if _county_known(number[:6]) else ("unknown_county",),
    )


@functools.lru_cache(maxsize=8192)
def _county_known(region_code: str) -> bool:
    """Whether stdnum's region data has this code in any year (cached: the lookup is slow)."""
    return any("county" in props for _, props in numdb.get("cn/loc").info(region_code))


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Completed years; someone born on 29 February ages on 1 March."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_min_age(resident: ResidentId, on: datetime.date, minimum: int = 16) -> None:
    age = age_on(resident.birth_date, on)
    if age < minimum:
        raise _id_error(
            "under_age",
            _l(
                "Workers must be at least %(minimum)s years old on the day they join; this ID number gives %(age)s.",
                minimum=minimum,
                age=age,
            ),
            minimum=minimum,
            age=age,
        )


def normalize_name(raw: str) -> str:
    """The one form a name is stored and compared in.

    Trimmed, NFC, runs of spaces collapsed (Latin names keep one), no space
    between two Chinese characters ("黄 涛" is "黄涛"), and one U+00B7 between
    the parts of a minority name (look-alike dots mapped to it).
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise RealNameError("name", "name_required", _l("Enter the name."))
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in name):
        raise RealNameError(
            "name",
            "name_chars",
            _l("The name contains invisible or control characters; type it again rather than pasting it."),
        )
    name = _AROUND_DOT.sub("\u00b7", " ".join(name.translate(_MIDDLE_DOTS).split()))
    name = _SPACE_BETWEEN_CJK.sub("", name)
    if len(name) > NAME_MAX_LENGTH:
        raise RealNameError(
            "name",
            "name_length",
            _l(
                "The name has %(length)s characters; at most %(maximum)s are allowed.",
                length=len(name),
                maximum=NAME_MAX_LENGTH,
            ),
            length=len(name),
            maximum=NAME_MAX_LENGTH,
        )
    return name


def normalize_phone(raw: str | int | None) -> str | None:
    """11-digit mainland mobile number, or None when left empty.

    Integers are accepted: unlike ID numbers, 11 digits survive Excel.
    """
    if isinstance(raw, int):
        raw = str(raw)
    if raw is None or not raw.strip():
        return None
    match = _PHONE_RE.fullmatch(_PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)))
    if match is None:
        raise RealNameError(
            "phone",
            "phone_format",
            _l("Enter a mainland mobile number: 11 digits starting with 13 to 19."),
        )
    return match.group(1)


#: What the mask keeps: the province (2 digits) and the last two characters (the end of the
#: sequence number and the check character). With the birth year and the origin province
#: also shown, that leaves the county, the day and two sequence digits unknown: far more
#: than a thousand candidates (tests/test_privacy.py counts them).
MASK_KEEPS_FIRST = 2
MASK_KEEPS_LAST = 2


def mask_id_number(number: str) -> str:
    """The only form of an ID number shown without the reveal permission (``37**************0X``)."""
    if len(number) != 18:
        raise ValueError("mask_id_number expects a normalised 18-character number")
    hidden = 18 - MASK_KEEPS_FIRST - MASK_KEEPS_LAST
    return f"{number[:MASK_KEEPS_FIRST]}{'*' * hidden}{number[-MASK_KEEPS_LAST:]}"


class IdProtector:
    """Keyed digest (uniqueness, look-up) and encryption (reveal) of ID numbers.

    Both keys are derived from one secret with HKDF so that neither use
    weakens the other.
    """

    def __init__(self, key: bytes | str) -> None:
        material = key.encode() if isinstance(key, str) else bytes(key)
        if len(material) < 32:
            raise ValueError("ID protection key material must be at least 32 bytes")
        self._hmac_key = self._derive(material, b"projectunion id-number digest")
        self._phone_key = self._derive(material, b"projectunion phone digest")
        fernet_key = self._derive(material, b"projectunion id-number encryption")
        self._fernet = Fernet(base64.urlsafe_b64encode(fernet_key))
        self._search_fernet = Fernet(base64.urlsafe_b64encode(self._derive(material, b"projectunion search terms")))

    @staticmethod
    def _derive(material: bytes, info: bytes) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
        return hkdf.derive(material)

    def digest(self, number: str) -> str:
        normalised = normalize_id_number(number).encode()
        return hmac.new(self._hmac_key, normalised, hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> str:
        token = self._fernet.encrypt(normalize_id_number(number).encode())
        return token.decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def encrypt_search(self, term: str) -> str:
        """A search term as the session keeps it (its own key: never mistaken for a stored number)."""
        return self._search_fernet.encrypt(term.encode()).decode("ascii")

    def decrypt_search(self, token: str, *, max_age: int) -> str | None:
        """The term, or None when the token is older than ``max_age`` seconds or not ours."""
        try:
            return self._search_fernet.decrypt(token.encode("ascii"), ttl=max_age).decode()
        except (InvalidToken, UnicodeError):
            return None

    def phone_digest(self, phone: str) -> str:
        """Keyed digest of a normalised phone, for an exact look-up (its own key: a phone is guessable)."""
        return hmac.new(self._phone_key, phone.encode(), hashlib.sha256).hexdigest()

    def encrypt_phone(self, phone: str) -> str:
        return self._fernet.encrypt(phone.encode()).decode("ascii")

    def phone_columns(self, phone: str | None) -> dict[str, str | None]:
        """The stored form of a phone (``workers.phone_encrypted``, ``workers.phone_digest``)."""
        if not phone:
            return {"phone_encrypted": None, "phone_digest": None}
        return {"phone_encrypted": self.encrypt_phone(phone), "phone_digest": self.phone_digest(phone)}
