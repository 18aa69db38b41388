"""Shared pieces for the live tests: a collecting sink, CoT builders, waiting, and a
throwaway certificate authority."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from desktop.core.model import Item


class Collector:
    """A sink that keeps what it is given (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records: list = []
        self.labels: list[str] = []

    def __call__(self, records, label):
        with self.lock:
            self.records.extend(records)
            self.labels.append(label)
        return True

    def items(self) -> list[Item]:
        with self.lock:
            return [r for r in self.records if isinstance(r, Item)]

    def uids(self) -> list[str]:
        return [i.unit_uid for i in self.items()]


def wait_for(cond, timeout: float = 5.0, interval: float = 0.01) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(interval)
    return cond()


def cot(uid: str, *, t: str = "2026-05-01T03:00:00.000Z", lat: float = 37.5665, lon: float = 126.978,
        ctype: str = "a-f-G-U-i-l", remarks: str = "", decl: bool = True) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n' if decl else b""
    body = (f'<event version="2.0" uid="{uid}" type="{ctype}" how="m-g" time="{t}" start="{t}" '
            f'stale="2026-05-01T03:05:00Z"><point lat="{lat}" lon="{lon}" hae="9999999.0" ce="10" le="9999999.0"/>'
            f'<detail><contact callsign="{uid}-cs"/><remarks>{remarks}</remarks></detail></event>')
    return head + body.encode("utf-8")


def proto_message(uid: str, *, lat: float = 37.5, lon: float = 127.0, callsign: str = "순찰1",
                  t_ms: int = 1_777_777_777_000, xml_detail: str = "") -> bytes:
    """A serialised TakMessage."""
    from takproto.proto import TakMessage

    m = TakMessage()
    ev = m.cotEvent
    ev.type, ev.uid, ev.how = "a-f-G-U-i-l", uid, "m-g"
    ev.sendTime, ev.startTime, ev.staleTime = t_ms, t_ms, t_ms + 300_000
    ev.lat, ev.lon, ev.hae, ev.ce, ev.le = lat, lon, 999999.0, 12.0, 999999.0
    ev.detail.contact.callsign = callsign
    ev.detail.group.name, ev.detail.group.role = "Cyan", "Team Member"
    ev.detail.track.speed, ev.detail.track.course = 1.5, 90.0
    if xml_detail:
        ev.detail.xmlDetail = xml_detail
    return m.SerializeToString()


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mesh(payload: bytes) -> bytes:
    return b"\xbf\x01\xbf" + payload


def stream_frame(payload: bytes) -> bytes:
    return b"\xbf" + varint(len(payload)) + payload


# --- a throwaway CA ---------------------------------------------------------------------

def make_ca(name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue(ca, name: str, *, server: bool):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
         .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                               else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if server:
        b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                         x509.DNSName("localhost")]), critical=False)
    return key, b.sign(ca_key, hashes.SHA256())


def write_pem(folder: Path, stem: str, key, cert) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization

    kp, cp = folder / f"{stem}.key", folder / f"{stem}.crt"
    kp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return kp, cp
