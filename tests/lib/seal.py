"""Seals values as asystentd does (daemon/store/crypto.c), for tests only.

Integration tests use it to put rows the daemon must be able to open into a
stopped daemon's database (conversation history before the relay writes
any). It calls libsodium through ctypes: the field key is crypto_kdf subkey
1 of the master key under the context "asystent"; a value is
nonce || XChaCha20-Poly1305-IETF(ciphertext || tag), with the associated
data "asystent/v1\\0" table "\\0" column "\\0" row (8 bytes, little endian).
Keeping this separate from the C code makes the tests pin the format.
"""
import ctypes
import ctypes.util

_SUBKEY_FIELD = 1
_CONTEXT = b"asystent"
_KEYBYTES = 32
_NONCEBYTES = 24
_ABYTES = 16

_lib = None


def _sodium():
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("sodium") or "libsodium.so.23"
        _lib = ctypes.CDLL(name)
        if _lib.sodium_init() < 0:
            raise RuntimeError("sodium_init failed")
    return _lib


def field_key(master):
    """The field subkey of a 32-byte master key."""
    assert len(master) == _KEYBYTES
    lib = _sodium()
    sub = ctypes.create_string_buffer(_KEYBYTES)
    rc = lib.crypto_kdf_derive_from_key(
        sub, ctypes.c_size_t(_KEYBYTES), ctypes.c_uint64(_SUBKEY_FIELD),
        ctypes.c_char_p(_CONTEXT), ctypes.c_char_p(master))
    if rc != 0:
        raise RuntimeError("crypto_kdf_derive_from_key failed")
    return sub.raw


def _ad(table, column, row):
    return (b"asystent/v1\0" + table.encode() + b"\0" + column.encode() +
            b"\0" + int(row).to_bytes(8, "little"))


def seal(key, table, column, row, plain):
    """The sealed BLOB of `plain` (str or bytes) at (table, column, row)."""
    lib = _sodium()
    if isinstance(plain, str):
        plain = plain.encode("utf-8")
    ad = _ad(table, column, row)
    nonce = ctypes.create_string_buffer(_NONCEBYTES)
    lib.randombytes_buf(nonce, ctypes.c_size_t(_NONCEBYTES))
    out = ctypes.create_string_buffer(len(plain) + _ABYTES)
    outlen = ctypes.c_ulonglong(0)
    rc = lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(outlen), ctypes.c_char_p(plain),
        ctypes.c_ulonglong(len(plain)), ctypes.c_char_p(ad),
        ctypes.c_ulonglong(len(ad)), None, nonce, ctypes.c_char_p(key))
    if rc != 0:
        raise RuntimeError("encrypt failed")
    return nonce.raw + out.raw[:outlen.value]
