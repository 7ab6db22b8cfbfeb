/**
 * Ogg (Opus, Vorbis): the duration is the granule position of the stream's last page, so the whole file
 * streams past; only one page header is held at a time, the payloads are skipped unread.
 * Opus: (last granule − pre-skip) / 48 kHz (RFC 7845). Vorbis: last granule / the id header's rate.
 */
import { bytes, type ByteReader } from './byteReader';
import { countedOrScaled, durationOf, type MediaDuration } from './mediaDuration';

const PAGE_HEADER_LENGTH = 27;
const END_OF_STREAM = 0x04;
const OPUS_RATE = 48_000;

interface Page {
	granule?: number;
	serial: number;
	endOfStream: boolean;
	payloadLength: number;
}

interface Codec {
	rate: number;
	/** Samples the decoder drops at the start (Opus pre-skip). */
	preSkip: number;
}

export async function oggDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const start = reader.position;
	const first = await readPageHeader(reader);
	if (!first) return undefined;
	const codec = parseIdHeader(await reader.read(Math.min(first.payloadLength, 64)));
	if (!codec || !(await reader.skip(first.payloadLength - Math.min(first.payloadLength, 64)))) return undefined;
	let lastGranule = first.granule;
	let page: Page | undefined = first;
	while (page && !(page.endOfStream && page.serial === first.serial)) {
		page = await readPageHeader(reader);
		if (!page) break;
		if (page.serial === first.serial && page.granule !== undefined) lastGranule = page.granule;
		// A page cut short at the end of a truncated file still told its granule: keep it, stop there.
		if (!(await reader.skip(page.payloadLength))) break;
	}
	if (lastGranule === undefined || lastGranule < codec.preSkip) return undefined;
	const seconds = durationOf(lastGranule - codec.preSkip, codec.rate);
	if (seconds === undefined) return undefined;
	// The end-of-stream page settles it; a stream that just stops is the whole file, or (a URL's first bytes) a part of it.
	const ended = page?.endOfStream === true && page.serial === first.serial;
	return ended ? { seconds, format: 'ogg', estimated: false } : countedOrScaled(seconds, 'ogg', { start, position: reader.position, fileSize });
}

/** The next page's header (segment table included), or undefined at the end or on anything not a page. */
async function readPageHeader(reader: ByteReader): Promise<Page | undefined> {
	const header = await reader.read(PAGE_HEADER_LENGTH);
	if (!header || bytes.ascii(header, 0, 4) !== 'OggS' || header[4] !== 0) return undefined;
	const segments = await reader.read(header[26]);
	if (!segments) return undefined;
	const low = bytes.u32le(header, 6);
	const high = bytes.u32le(header, 10);
	// −1 (all ones): no packet ends on this page. Beyond 2^53 samples is not a real file either.
	const granule = high >= 0x200000 ? undefined : high * 2 ** 32 + low;
	return {
		granule,
		serial: bytes.u32le(header, 14),
		endOfStream: (header[5] & END_OF_STREAM) !== 0,
		payloadLength: segments.reduce((sum, length) => sum + length, 0),
	};
}

function parseIdHeader(packet: Uint8Array | undefined): Codec | undefined {
	if (!packet) return undefined;
	if (bytes.ascii(packet, 0, 8) === 'OpusHead' && packet.length >= 12) return { rate: OPUS_RATE, preSkip: bytes.u16le(packet, 10) };
	if (packet[0] === 0x01 && bytes.ascii(packet, 1, 6) === 'vorbis' && packet.length >= 16) return { rate: bytes.u32le(packet, 12), preSkip: 0 };
	return undefined;
}
