"""The bodies of the response cache decompressed for clients that do not accept gzip
(commitments/compression.py): each is inflated once per process, within a bound."""

import gzip

from commitments.compression import DecompressedBodies, compress


def body(number):
    return f'{{"results": [{", ".join(str(number) for _ in range(500))}]}}'.encode()


def test_a_body_is_decompressed_once_for_every_hit_of_its_entry():
    decompress = DecompressedBodies(limit=1024 * 1024)
    compressed = compress(body(1))

    first = decompress(compressed)
    # Every hit unpickles its own copy of the entry's bytes.
    again = decompress(bytes(bytearray(compressed)))

    assert first == body(1) == gzip.decompress(compressed)
    assert again is first


def test_the_least_recently_used_bodies_are_forgotten_beyond_the_limit():
    compressed = [compress(body(number)) for number in range(3)]
    sizes = [len(each) + len(body(0)) for each in compressed]
    # Any two bodies fit, three do not (gzip's random padding makes their sizes differ a little).
    decompress = DecompressedBodies(limit=2 * max(sizes) + min(sizes) // 2)
    first = decompress(compressed[0])
    second = decompress(compressed[1])
    decompress(compressed[0])  # used again: the second is now the least recently used

    decompress(compressed[2])

    assert decompress(compressed[0]) is first
    again = decompress(compressed[1])
    assert again == second
    assert again is not second  # inflated afresh
