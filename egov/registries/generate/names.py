"""Korean names for the synthetic country: surnames by frequency, given names by birth decade and sex.

Surname shares follow the order of magnitude of the 2015 census (김 about a fifth of
the population, 이 a seventh, 박 a twelfth, then a long tail); their romanisation is
the customary passport spelling (Kim, Lee, Park), as most people write it, while given
names are romanised by the Revised Romanization of Korean (korean-romanizer). Given
names are drawn from the names that were common in each period, plus names composed
from common syllables, so that a large population does not repeat a few dozen names.
"""

from __future__ import annotations

import random
from functools import lru_cache
from itertools import accumulate

from korean_romanizer.romanizer import Romanizer

# (surname, customary romanisation, weight in per mille of the population)
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("김", "Kim", 215.0), ("이", "Lee", 147.0), ("박", "Park", 84.0), ("최", "Choi", 47.0), ("정", "Jung", 43.0),
    ("강", "Kang", 24.0), ("조", "Cho", 21.0), ("윤", "Yoon", 21.0), ("장", "Jang", 20.0), ("임", "Lim", 17.0),
    ("한", "Han", 15.0), ("오", "Oh", 15.0), ("서", "Seo", 15.0), ("신", "Shin", 15.0), ("권", "Kwon", 14.0),
    ("황", "Hwang", 14.0), ("안", "Ahn", 14.0), ("송", "Song", 13.0), ("전", "Jeon", 11.0), ("홍", "Hong", 11.0),
    ("유", "Yoo", 11.0), ("고", "Ko", 9.0), ("문", "Moon", 9.0), ("양", "Yang", 9.0), ("손", "Son", 9.0),
    ("배", "Bae", 8.0), ("백", "Baek", 8.0), ("허", "Heo", 6.0), ("남", "Nam", 5.5), ("심", "Shim", 5.5),
    ("노", "Noh", 5.5), ("하", "Ha", 4.5), ("곽", "Kwak", 4.0), ("성", "Sung", 4.0), ("차", "Cha", 4.0),
    ("주", "Joo", 4.0), ("우", "Woo", 3.8), ("구", "Koo", 3.8), ("민", "Min", 3.4), ("류", "Ryu", 3.4),
    ("나", "Na", 3.0), ("진", "Jin", 3.0), ("지", "Ji", 3.0), ("엄", "Eom", 2.8), ("채", "Chae", 2.6),
    ("원", "Won", 2.6), ("천", "Cheon", 2.3), ("방", "Bang", 2.3), ("공", "Kong", 1.9), ("현", "Hyun", 1.9),
    ("변", "Byun", 2.6), ("함", "Ham", 1.5), ("염", "Yeom", 1.4), ("여", "Yeo", 1.4), ("추", "Choo", 1.2),
    ("도", "Do", 1.2), ("소", "So", 1.0), ("석", "Seok", 1.0), ("선", "Sun", 0.9), ("설", "Seol", 0.9),
    ("마", "Ma", 0.8), ("길", "Gil", 0.8), ("연", "Yeon", 0.7), ("위", "Wi", 0.7), ("표", "Pyo", 0.6),
    ("명", "Myung", 0.6), ("기", "Ki", 0.5), ("반", "Ban", 0.5), ("라", "Ra", 0.4), ("왕", "Wang", 0.5),
    ("금", "Keum", 0.4), ("옥", "Ok", 0.3), ("육", "Yook", 0.4), ("인", "In", 0.4), ("맹", "Maeng", 0.3),
    ("제", "Je", 0.4), ("모", "Mo", 0.4), ("탁", "Tak", 0.4), ("국", "Kook", 0.4), ("어", "Eo", 0.4),
    ("은", "Eun", 0.3), ("편", "Pyeon", 0.3), ("용", "Yong", 0.3), ("남궁", "Namgoong", 0.4),
    ("황보", "Hwangbo", 0.2), ("제갈", "Jegal", 0.1), ("선우", "Sunwoo", 0.1), ("독고", "Dokgo", 0.05),
)
SURNAME_CUMULATIVE = tuple(accumulate(weight for _, _, weight in SURNAMES))

# Common given names by the decade people were born in (earliest decade first).
GIVEN_NAMES: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {
    "M": (
        (1900, ("영수", "영호", "영식", "정수", "정호", "영철", "상철", "종수", "광수", "영길", "병철", "재호",
                "순철", "만수", "용수", "춘식", "상호", "동수", "병수", "기철")),
        (1960, ("성호", "영수", "영호", "성수", "성진", "정훈", "상훈", "성훈", "동현", "정호", "영진", "준호",
                "재영", "진호", "상욱", "종훈", "재훈", "성민", "경호", "태호")),
        (1980, ("지훈", "성민", "현우", "준호", "민수", "동현", "정훈", "성훈", "민호", "상현", "준영", "재현",
                "승현", "민석", "도현", "건우", "우진", "승민", "현준", "태현")),
        (2000, ("민준", "서준", "도윤", "예준", "시우", "하준", "주원", "지호", "지후", "준우", "준서", "건우",
                "현우", "우진", "선우", "은우", "이준", "연우", "유준", "정우")),
    ),
    "F": (
        (1900, ("영자", "정자", "순자", "춘자", "경자", "옥순", "말순", "영숙", "정숙", "영희", "명숙", "경숙",
                "순희", "옥자", "정순", "숙자", "영순", "금순", "복순", "순옥")),
        (1960, ("미경", "미숙", "경희", "영미", "은주", "미영", "현주", "정희", "은정", "미정", "지영", "혜영",
                "선영", "은영", "경미", "미란", "수진", "현숙", "명희", "정미")),
        (1980, ("지영", "지혜", "은지", "수진", "혜진", "민정", "지은", "은영", "현정", "수정", "미진", "유진",
                "민지", "수빈", "지현", "예지", "수연", "은비", "현지", "다은")),
        (2000, ("서연", "서윤", "지우", "서현", "민서", "하은", "하윤", "윤서", "지유", "지민", "채원", "수아",
                "지아", "다은", "예은", "수빈", "소율", "예린", "시은", "아린")),
    ),
}
# Syllables from which names are composed when not drawn from the lists above.
SYLLABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "M": (("민", "서", "도", "예", "시", "하", "주", "지", "준", "건", "현", "우", "선", "은", "유", "정", "승",
           "재", "태", "성", "동", "상", "영", "진", "형", "종", "경", "규", "병", "석"),
          ("준", "우", "윤", "호", "후", "원", "서", "진", "현", "민", "수", "훈", "석", "혁", "빈", "규", "환",
           "철", "식", "영", "범", "욱", "기", "완", "용")),
    "F": (("서", "지", "하", "민", "수", "예", "채", "다", "소", "시", "유", "은", "혜", "현", "미", "정", "선",
           "영", "윤", "나", "가", "아", "주", "연", "경"),
          ("연", "윤", "우", "은", "현", "서", "아", "원", "유", "민", "빈", "린", "희", "영", "진", "정", "숙",
           "미", "경", "나", "슬", "율", "하", "인", "리")),
}

# Registered foreigners: (nationality, sex, Hangul name, romanised name) — a few typical ones.
FOREIGN_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("CHN", "M", "왕웨이", "WANG WEI"), ("CHN", "F", "리나", "LI NA"), ("CHN", "M", "장민", "ZHANG MIN"),
    ("CHN", "F", "류양", "LIU YANG"), ("VNM", "M", "응우옌 반 안", "NGUYEN VAN AN"),
    ("VNM", "F", "쩐 티 투", "TRAN THI THU"), ("VNM", "M", "레 반 남", "LE VAN NAM"),
    ("USA", "M", "존 스미스", "JOHN SMITH"), ("USA", "F", "에밀리 존슨", "EMILY JOHNSON"),
    ("UZB", "M", "알리셰르 카리모프", "ALISHER KARIMOV"), ("PHL", "F", "마리아 산토스", "MARIA SANTOS"),
    ("THA", "M", "솜차이 분미", "SOMCHAI BOONMEE"), ("NPL", "M", "람 바하두르", "RAM BAHADUR"),
    ("IDN", "M", "아구스 산토소", "AGUS SANTOSO"), ("MNG", "F", "바트 에르덴", "BAT ERDENE"),
    ("KHM", "F", "소크 다라", "SOK DARA"), ("RUS", "M", "이반 페트로프", "IVAN PETROV"),
    ("CAN", "F", "사라 브라운", "SARAH BROWN"),
)


@lru_cache(maxsize=8192)
def romanise(hangul: str) -> str:
    """Revised Romanization of a given name, capitalised (민준 → Minjun)."""
    return str(Romanizer(hangul).romanize()).capitalize()


def surname(rng: random.Random) -> tuple[str, str]:
    index = rng.choices(range(len(SURNAMES)), cum_weights=SURNAME_CUMULATIVE)[0]
    name, latin, _ = SURNAMES[index]
    return name, latin


def given_name(rng: random.Random, *, sex: str, birth_year: int) -> str:
    if rng.random() < 0.3:
        first, second = SYLLABLES[sex]
        name = rng.choice(first) + rng.choice(second)
        if name[0] != name[1]:
            return name
    periods = GIVEN_NAMES[sex]
    names = periods[0][1]
    for since, candidates in periods:
        if birth_year >= since:
            names = candidates
    return rng.choice(names)


def full_name(family: tuple[str, str], given: str) -> tuple[str, str]:
    """(Hangul, romanised) full name: 김민준, Kim Minjun."""
    return family[0] + given, f"{family[1]} {romanise(given)}"
