"""KML and KMZ into a real cache: placemarks, times, HTML descriptions, and refused archives."""

from __future__ import annotations

import json
import unicodedata
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import desktop.importers as importers
from desktop.cache import Cache
from desktop.importers import ImportOptions, detect_format, import_file
from desktop.importers.base import ImportFailed
from desktop.importers.kml import html_to_text, kml_time, sniff
from desktop.core.model import to_ms

FIX = Path(__file__).parent.parent / "fixtures" / "kml"
GWANGHWAMUN = FIX / "gwanghwamun.kml"
PLAIN = FIX / "no_namespace.kml"
LAUGHS = FIX / "billion_laughs.kml"
KST = timezone(timedelta(hours=9))


def ms(*args: int, tz=timezone.utc) -> int:
    return to_ms(datetime(*args, tzinfo=tz))


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    yield c
    c.close()


@pytest.fixture
def known_formats(monkeypatch):
    """Detection over the importers that exist yet (others are being written alongside)."""
    present = []
    for fmt in importers.FORMATS:
        try:
            importers._module(fmt)
        except ImportError:
            continue
        present.append(fmt)
    monkeypatch.setattr(importers, "FORMATS", tuple(present))


def rows(cache: Cache) -> list[dict]:
    cur = cache.conn.execute("SELECT * FROM items ORDER BY id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur]


def count(cache: Cache, table: str) -> int:
    return cache.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def make_zip(path: Path, entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


EXPECTED = {  # name -> (UTC ms, lat, lon)
    "광화문광장 북측 인파 밀집 🚨": (ms(2024, 6, 1, 5, 5, 30), 37.5759, 126.9769),
    "세종대로 차량 통제": (ms(2024, 6, 1, 5, 10), 37.5720, 126.9768),
    "이순신장군 동상 앞 연좌 농성 ✊": (ms(2024, 6, 1, 5, 20) + 250, 37.57105, 126.97695),
    "행진 대열 출발": (ms(2024, 6, 1, 15, tz=KST), 37.5700, 126.9780),  # naive TimeSpan/begin: Asia/Seoul
    "정부서울청사": (ms(2024, 1, 1, tz=KST), 37.5752, 126.9752),  # bare year
    "경복궁역 4번 출구": (ms(2024, 6, 1, tz=KST), 37.5757, 126.9732),  # date only
    "세종문화회관": (ms(2024, 6, 1, tz=KST), 37.5725, 126.9757),  # year-month
    "교보빌딩 앞 의료지원 🚑": (ms(2024, 6, 1, 6, 30), 37.5710, 126.9778),  # Point in MultiGeometry
}


def check_gwanghwamun(cache: Cache, result) -> None:
    assert (result.stats.accepted, result.stats.skipped) == (8, 4)
    assert [(s.where, s.reason.split(" (")[0].split(":")[0]) for s in result.skips] == [
        ("Placemark 8", "no coordinates"),
        ("Placemark 9", "no time"),
        ("Placemark 10", "coordinates out of range"),
        ("Placemark 11", "no Point geometry"),
    ]
    assert "swapped" in result.skips[2].reason
    got = {r["text"].split("\n")[0]: r for r in rows(cache)}
    assert set(got) == set(EXPECTED)
    for name, (t, lat, lon) in EXPECTED.items():
        r = got[name]
        assert (r["t_ms"], r["lat"], r["lon"]) == (t, lat, lon), name
        assert (r["kind"], r["source"], r["precision"], r["radius_m"]) == ("post", "kml", "exact", None)
    assert any("Asia/Seoul" in n for n in result.stats.notes)


def test_kml_placemarks(cache):
    result = import_file(cache, GWANGHWAMUN, purpose="public-order")
    assert result.format == "kml"
    check_gwanghwamun(cache, result)
    got = {r["text"].split("\n")[0]: r for r in rows(cache)}

    crowd = got["광화문광장 북측 인파 밀집 🚨"]
    text = crowd["text"]
    # HTML became plain text: tags gone, entities unescaped, script code dropped, ${...} left as text.
    assert "<" not in text and "alert(document.cookie)" not in text and "javascript" not in text
    assert "세종대왕상 앞 약 3,000명 운집 & 계속 증가 중" in text
    assert "현수막 문구: ${alert(1)}" in text
    assert json.loads(crowd["links"]) == ["https://example.org/report/gh-001"]
    assert json.loads(crowd["hashtags"]) == ["광화문", "인파관리"]
    assert crowd["source_id"].startswith("gh-001#")
    extra = json.loads(crowd["extra"])
    assert extra["folder"] == "2024-06-01 광화문 집회 상황 / 광화문광장 / 북측 구역"
    assert extra["time_precision"] == "time"

    road = got["세종대로 차량 통제"]
    assert road["text"] == "세종대로 차량 통제\n세종대로 양방향 통제\n우회: 사직로 → 율곡로"  # plain text keeps lines
    assert road["author"] == "종로서 교통과"
    assert json.loads(road["hashtags"]) == ["세종대로", "교통통제"]
    assert len(road["source_id"]) == 40  # no id attribute: a sha1 of the content

    sit_in = got["이순신장군 동상 앞 연좌 농성 ✊"]
    assert sit_in["text"] == "이순신장군 동상 앞 연좌 농성 ✊\n약 200명 연좌, 차로 점거 없음"  # escaped HTML
    assert sit_in["author"] == "종로12"  # SchemaData/SimpleData

    precisions = {n: json.loads(got[n]["extra"])["time_precision"] for n in ("정부서울청사", "경복궁역 4번 출구", "세종문화회관")}
    assert precisions == {"정부서울청사": "year", "경복궁역 4번 출구": "day", "세종문화회관": "month"}
    assert count(cache, "items_geo") == 8


def test_reimport_adds_nothing(cache):
    import_file(cache, GWANGHWAMUN, purpose="public-order")
    again = import_file(cache, GWANGHWAMUN, purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 8)
    assert count(cache, "items") == 8


def test_no_namespace_and_decomposed_hangul(cache):
    result = import_file(cache, PLAIN, purpose="public-order")
    assert result.stats.accepted == 2
    first, second = rows(cache)
    assert first["text"] == "청계광장 소음 민원\n확성기 소음 📢 #청계광장"  # NFC
    assert first["t_ms"] == ms(2024, 6, 1, 7, 2)
    assert second["t_ms"] == ms(2024, 6, 1, 7, 15) + 500
    hit = cache.conn.execute("SELECT count(*) FROM item_tags WHERE tag = '청계광장'").fetchone()[0]
    assert hit == 1


def test_same_placemark_ids_in_two_files_do_not_collide(cache, tmp_path):
    a = tmp_path / "a.kml"
    b = tmp_path / "b.kml"
    a.write_bytes(PLAIN.read_bytes())
    b.write_bytes(PLAIN.read_bytes().replace("확성기 소음".encode(), "확성기 소음 계속".encode())
                  .replace(b"07:15:00.5Z", b"07:45:00Z"))
    import_file(cache, a, purpose="public-order")
    assert import_file(cache, b, purpose="public-order").stats.accepted == 2


def test_source_option(cache):
    import_file(cache, PLAIN, options=ImportOptions(source="kml-jongno"), purpose="public-order")
    assert {r["source"] for r in rows(cache)} == {"kml-jongno"}


def test_kmz_prefers_doc_kml(cache, tmp_path):
    kmz = make_zip(tmp_path / "상황도.kmz", [
        ("layers/other.kml", PLAIN.read_bytes()),
        ("doc.kml", GWANGHWAMUN.read_bytes()),
        ("files/icon.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    ])
    check_gwanghwamun(cache, import_file(cache, kmz, purpose="public-order"))


def test_kmz_first_kml_without_doc_kml(cache, tmp_path, known_formats):
    kmz = make_zip(tmp_path / "export.zip", [("files/a.png", b"png"), ("layers/first.kml", PLAIN.read_bytes()),
                                             ("layers/second.kml", GWANGHWAMUN.read_bytes())])
    assert detect_format(kmz) == "kml"  # not named .kmz, but holds a .kml entry
    assert import_file(cache, kmz, purpose="public-order").stats.accepted == 2


def refused(cache: Cache, path: Path, match: str) -> None:
    with pytest.raises(ImportFailed, match=match) as err:
        import_file(cache, path, fmt="kml", purpose="public-order")
    assert err.value.path == str(path)
    assert count(cache, "items") == 0 and count(cache, "batches") == 0


def test_zip_bomb_is_refused(cache, tmp_path):
    body = b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' + b" " * (30 * 1024 * 1024) + b"</Document></kml>"
    kmz = make_zip(tmp_path / "bomb.kmz", [("doc.kml", body)])
    assert kmz.stat().st_size < 100_000
    refused(cache, kmz, "zip bomb")


def test_zip_header_lying_about_size_is_refused(cache, tmp_path):
    body = GWANGHWAMUN.read_bytes() + b" " * (4 * 1024 * 1024)
    data = bytearray(make_zip(tmp_path / "lie.kmz", [("doc.kml", body)]).read_bytes())
    # Claim a tiny uncompressed size in the central directory: the reader must not trust it.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (100).to_bytes(4, "little")
    (tmp_path / "lie.kmz").write_bytes(bytes(data))
    refused(cache, tmp_path / "lie.kmz", "not a readable KMZ")


@pytest.mark.parametrize("name", ["../../evil.kml", "files/../../evil.kml", "/etc/evil.kml", "..\\evil.kml",
                                  "C:/evil.kml"])
def test_path_traversal_is_refused(cache, tmp_path, name):
    kmz = make_zip(tmp_path / "trav.kmz", [("doc.kml", PLAIN.read_bytes()), (name, b"<kml/>")])
    refused(cache, kmz, "outside the archive")


def test_damaged_zip_is_refused(cache, tmp_path):
    good = make_zip(tmp_path / "good.kmz", [("doc.kml", GWANGHWAMUN.read_bytes())]).read_bytes()
    (tmp_path / "cut.kmz").write_bytes(good[: len(good) // 2])
    refused(cache, tmp_path / "cut.kmz", "not a readable KMZ")
    flipped = bytearray(good)
    flipped[60:90] = bytes(30)  # damage the compressed data: the CRC check fails
    (tmp_path / "flip.kmz").write_bytes(bytes(flipped))
    refused(cache, tmp_path / "flip.kmz", "not a readable KMZ")
    refused(cache, make_zip(tmp_path / "empty.kmz", [("readme.txt", b"x")]), "no .kml document")


def test_entity_attack_is_refused(cache):
    refused(cache, LAUGHS, "DOCTYPE")


@pytest.mark.parametrize("content, match", [
    (b"not xml at all", "not well-formed"),
    (b"<html><body>hi</body></html>", "not KML"),
    (b"<kml><Document>", "not well-formed"),
])
def test_not_kml_is_refused(cache, tmp_path, content, match):
    p = tmp_path / "x.kml"
    p.write_bytes(content)
    refused(cache, p, match)


def test_euc_kr_declared_document(cache, tmp_path):
    text = unicodedata.normalize("NFC", PLAIN.read_text(encoding="utf-8"))
    text = text.replace('encoding="UTF-8"', 'encoding="EUC-KR"')
    text = text.replace("📢 ", "")  # EUC-KR has no emoji
    p = tmp_path / "euc.kml"
    p.write_bytes(text.encode("euc-kr"))
    assert import_file(cache, p, purpose="public-order").stats.accepted == 2
    assert rows(cache)[0]["text"].startswith("청계광장 소음 민원")


def test_detection(known_formats, tmp_path):
    assert detect_format(GWANGHWAMUN) == "kml"
    assert detect_format(PLAIN) == "kml"
    kmz = make_zip(tmp_path / "a.kmz", [("files/big.png", bytes(100_000)), ("doc.kml", PLAIN.read_bytes())])
    assert detect_format(kmz) == "kml"
    assert sniff(b"PK\x03\x04" + bytes(40), Path("x.zip")) == 0


@pytest.mark.parametrize("value, expected, precision", [
    ("2024", ms(2024, 1, 1, tz=KST), "year"),
    ("2024-06", ms(2024, 6, 1, tz=KST), "month"),
    ("2024-06-01", ms(2024, 6, 1, tz=KST), "day"),
    ("2024-06-01Z", ms(2024, 6, 1), "day"),
    ("2024-06-01T14:05:30+09:00", ms(2024, 6, 1, 5, 5, 30), "time"),
    (" 2024-06-01T05:05:30.123456Z ", ms(2024, 6, 1, 5, 5, 30) + 123, "time"),
    ("2024-06-01T05:05", ms(2024, 6, 1, 5, 5, tz=KST), "time"),
])
def test_kml_times(value, expected, precision):
    assert kml_time(value, None) == (expected, precision)


def test_html_to_text():
    text, links = html_to_text('<div>가 &amp; 나<br>다</div><style>p{}</style><script>x()</script>'
                               '<a href="http://a.example/1">링크</a><a href="javascript:x()">y</a>')
    assert text == "가 & 나\n다\n링크y"  # style and script bodies are code, not text
    assert links == ["http://a.example/1"]
    assert html_to_text("a < b & c\n둘째 줄") == ("a < b & c\n둘째 줄", [])
    assert html_to_text("<![if !IE]>보임<![endif]>")[0] == "보임"
