/**
 * Raw ADTS AAC (OpenAI's `aac`, `.aac` files): no header holds the duration, but every frame starts
 * with a 7-byte header giving its length, sample rate and how many 1024-sample blocks it holds. The
 * frames are counted while the file streams past (payloads skipped unread): exact, whatever the bitrate.
 * Only the first bytes of a longer file (an audio URL) give an estimate from the frames seen: AAC
 * frames vary in size, so that estimate prices a run but refuses nothing.
 */
import type { ByteReader } from './byteReader';
import { countedToTheEnd, durationOf, type MediaDuration } from './mediaDuration';

const HEADER_LENGTH = 7;
const SAMPLES_PER_BLOCK = 1024;
const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

interface AdtsHeader {
	sampleRate: number;
	frameLength: number;
	samples: number;
}

/** The ADTS header at `at`: sync 0xFFF, layer 00; undefined for anything else. */
export function parseAdtsHeader(b: Uint8Array, at: number): AdtsHeader | undefined {
	if (at + HEADER_LENGTH > b.length || b[at] !== 0xff || (b[at + 1] & 0xf6) !== 0xf0) return undefined;
	const sampleRate = SAMPLE_RATES[(b[at + 2] >> 2) & 0x0f];
	const frameLength = ((b[at + 3] & 0x03) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5);
	if (sampleRate === undefined || frameLength < HEADER_LENGTH) return undefined;
	return { sampleRate, frameLength, samples: ((b[at + 6] & 0x03) + 1) * SAMPLES_PER_BLOCK };
}

export async function adtsDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const start = reader.position;
	let first: AdtsHeader | undefined;
	let samples = 0;
	let ranOut = false;
	for (;;) {
		const head = await reader.peek(HEADER_LENGTH);
		if (head.length < HEADER_LENGTH) {
			ranOut = true;
			break;
		}
		const frame = parseAdtsHeader(head, 0);
		// A change of sample rate mid-file is not one stream: stop counting there.
		if (!frame || (first && frame.sampleRate !== first.sampleRate)) break;
		first ??= frame;
		if (!(await reader.skip(frame.frameLength))) {
			ranOut = true;
			break;
		}
		samples += frame.samples;
	}
	if (!first || samples === 0) return undefined;
	const read = reader.position - start;
	// Counted to the file's end, or to a short tail of tags: exact. Bytes that ran out before the size: a sample.
	if (countedToTheEnd(reader.position, fileSize, ranOut)) {
		const seconds = durationOf(samples, first.sampleRate);
		return seconds === undefined ? undefined : { seconds, format: 'aac', estimated: false };
	}
	const seconds = durationOf((samples * (fileSize! - start)) / read, first.sampleRate);
	if (seconds === undefined) return undefined;
	return { seconds, format: 'aac', estimated: true, note: 'Raw ADTS AAC read in part: the duration is estimated from the file size and the frames read.' };
}
