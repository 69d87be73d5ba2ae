/*
 * ondisk.c - the checksums of bcache's on-disk structures (CRC-64
 * ECMA-182, MSB first, table-driven eight bytes at a time) and the magic
 * bytes.  Pure functions: no I/O, no state but the tables, built once.
 */
#include "ondisk.h"

#include <pthread.h>
#include <string.h>

#define CRC64_ECMA182_POLY 0x42F0E1EBA9EA3693ull

const uint8_t bcache_magic[16] = {
	0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca,
	0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba, 0x6d, 0x81,
};

/*
 * crc_tab[0] is the classic byte table; crc_tab[k][b] is the CRC of byte b
 * followed by k zero bytes, so eight input bytes fold in with eight
 * lookups and no data-dependent loop.
 */
static uint64_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc64_build_tables(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint64_t crc = (uint64_t)b << 56;
		for (int i = 0; i < 8; i++)
			crc = (crc & (1ull << 63)) ? (crc << 1) ^ CRC64_ECMA182_POLY : crc << 1;
		crc_tab[0][b] = crc;
	}
	for (unsigned b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			crc_tab[k][b] = (crc_tab[k - 1][b] << 8) ^
					crc_tab[0][crc_tab[k - 1][b] >> 56];
}

uint64_t crc64_be(uint64_t crc, const void *p, size_t len)
{
	const uint8_t *s = p;

	pthread_once(&crc_once, crc64_build_tables);
	while (len >= 8) {
		uint64_t w = crc ^ ((uint64_t)s[0] << 56 | (uint64_t)s[1] << 48 |
				    (uint64_t)s[2] << 40 | (uint64_t)s[3] << 32 |
				    (uint64_t)s[4] << 24 | (uint64_t)s[5] << 16 |
				    (uint64_t)s[6] << 8 | s[7]);
		crc = crc_tab[7][w >> 56] ^ crc_tab[6][(w >> 48) & 0xff] ^
		      crc_tab[5][(w >> 40) & 0xff] ^ crc_tab[4][(w >> 32) & 0xff] ^
		      crc_tab[3][(w >> 24) & 0xff] ^ crc_tab[2][(w >> 16) & 0xff] ^
		      crc_tab[1][(w >> 8) & 0xff] ^ crc_tab[0][w & 0xff];
		s += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc << 8) ^ crc_tab[0][(crc >> 56) ^ *s++];
	return crc;
}

uint64_t bch_crc64(const void *p, size_t len)
{
	return crc64_be(~0ull, p, len) ^ ~0ull;
}

uint64_t bch_sb_csum(const struct cache_sb *sb)
{
	const uint8_t *start = (const uint8_t *)&sb->offset;
	const uint8_t *end = (const uint8_t *)&sb->d[sb->keys];

	return bch_crc64(start, (size_t)(end - start));
}

uint64_t bch_jset_csum(const struct jset *j)
{
	return bch_crc64((const uint8_t *)j + 8, jset_bytes(j) - 8);
}

uint64_t bch_bset_csum(const struct bset *i, uint64_t node_ptr0)
{
	return crc64_be(node_ptr0, (const uint8_t *)i + 8, bset_bytes(i) - 8) ^ ~0ull;
}
