/**
 * WebM/Matroska audio: the Segment's Info has a Duration (in TimecodeScale units) when the muxer could
 * go back to write it; then only the first elements are read. A browser's MediaRecorder, or ffmpeg into
 * a pipe, leaves it out: then the clusters stream past (block payloads skipped unread) and the duration
 * is where the last block ends: its cluster's timecode + its own, plus one frame (its BlockDuration, the
 * track's DefaultDuration, or the gap before it), less the codec delay (Opus pre-skip) the decoder drops.
 */
import { bytes, type ByteReader } from './byteReader';
import { countedOrScaled, durationOf, type MediaDuration } from './mediaDuration';

const ID = {
	ebml: 0x1a45dfa3,
	segment: 0x18538067,
	info: 0x1549a966,
	timecodeScale: 0x2ad7b1,
	duration: 0x4489,
	tracks: 0x1654ae6b,
	trackEntry: 0xae,
	trackNumber: 0xd7,
	codecDelay: 0x56aa,
	defaultDuration: 0x23e383,
	cluster: 0x1f43b675,
	timecode: 0xe7,
	simpleBlock: 0xa3,
	blockGroup: 0xa0,
	block: 0xa1,
	blockDuration: 0x9b,
};
/** Elements walked into rather than skipped (so their size, often "unknown" when streamed, never matters). */
const CONTAINERS = new Set([ID.segment, ID.info, ID.tracks, ID.trackEntry, ID.cluster, ID.blockGroup]);
const NANOSECONDS = 1e9;

/** A file that starts with an EBML header (WebM, Matroska). */
export function isEbml(head: Uint8Array): boolean {
	return bytes.u32be(head, 0) === ID.ebml;
}

interface Walk {
	/** Nanoseconds per timecode unit (Matroska's default: 1 ms). */
	scale: number;
	durationUnits?: number;
	track?: number;
	codecDelayNs: number;
	defaultDurationNs?: number;
	cluster: number;
	/** The last block of the first track: its time, and the gap before it (or its own BlockDuration). */
	lastBlock?: number;
	lastGap?: number;
	blockDuration?: number;
}

export async function webmDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const walk: Walk = { scale: 1_000_000, codecDelayNs: 0, cluster: 0 };
	const start = reader.position;
	for (;;) {
		const element = await readElementHeader(reader);
		if (!element) break;
		if (element.id === ID.cluster && walk.durationUnits !== undefined) {
			// Info came first and had the Duration: the clusters need no reading.
			const seconds = durationOf(walk.durationUnits * walk.scale, NANOSECONDS);
			return seconds === undefined ? undefined : { seconds, format: 'webm', estimated: false };
		}
		if (CONTAINERS.has(element.id)) continue;
		if (element.size === undefined || !(await readElement(reader, element.id, element.size, walk))) break;
	}
	if (walk.durationUnits !== undefined) {
		const seconds = durationOf(walk.durationUnits * walk.scale, NANOSECONDS);
		return seconds === undefined ? undefined : { seconds, format: 'webm', estimated: false };
	}
	if (walk.lastBlock === undefined) return undefined;
	const frameNs = walk.blockDuration !== undefined ? walk.blockDuration * walk.scale : (walk.defaultDurationNs ?? (walk.lastGap ?? 0) * walk.scale);
	const seconds = durationOf(walk.lastBlock * walk.scale + frameNs - walk.codecDelayNs, NANOSECONDS);
	return seconds === undefined ? undefined : countedOrScaled(seconds, 'webm', { start, position: reader.position, fileSize });
}

/** Reads (or skips) one element's payload; false when the file ends inside it. */
async function readElement(reader: ByteReader, id: number, size: number, walk: Walk): Promise<boolean> {
	if (id === ID.simpleBlock || id === ID.block) {
		const head = await reader.peek(Math.min(size, 12));
		const track = vint(head, 0, false);
		if (!track || track.length + 2 > head.length) return false;
		if (walk.track === undefined || track.value === walk.track) {
			const relative = ((head[track.length] << 8) | head[track.length + 1]) << 16 >> 16;
			const time = walk.cluster + relative;
			if (walk.lastBlock !== undefined && time > walk.lastBlock) walk.lastGap = time - walk.lastBlock;
			walk.lastBlock = time;
			walk.blockDuration = undefined;
		}
		return await reader.skip(size);
	}
	if (size > 8 || !isNumberElement(id)) return await reader.skip(size);
	const body = await reader.read(size);
	if (!body) return false;
	const value = id === ID.duration ? float(body) : uint(body);
	if (id === ID.timecodeScale && value > 0) walk.scale = value;
	else if (id === ID.duration && Number.isFinite(value) && value > 0) walk.durationUnits = value;
	else if (id === ID.trackNumber) walk.track ??= value;
	else if (id === ID.codecDelay) walk.codecDelayNs ||= value;
	else if (id === ID.defaultDuration) walk.defaultDurationNs ??= value;
	else if (id === ID.timecode) walk.cluster = value;
	else if (id === ID.blockDuration) walk.blockDuration = value;
	return true;
}

function isNumberElement(id: number): boolean {
	return [ID.timecodeScale, ID.duration, ID.trackNumber, ID.codecDelay, ID.defaultDuration, ID.timecode, ID.blockDuration].includes(id);
}

/** An element's ID (marker bits kept, as IDs are written) and size (undefined: "unknown", all ones). */
async function readElementHeader(reader: ByteReader): Promise<{ id: number; size?: number } | undefined> {
	const head = await reader.peek(12);
	const id = vint(head, 0, true);
	if (!id || id.length > 4) return undefined;
	const size = vint(head, id.length, false);
	if (!size) return undefined;
	await reader.skip(id.length + size.length);
	return { id: id.value, size: size.unknown ? undefined : size.value };
}

/** EBML's variable-length integer: the count of leading zeros says how many bytes follow. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | undefined {
	const first = b[at];
	if (first === undefined || first === 0) return undefined;
	const length = Math.clz32(first) - 23;
	if (at + length > b.length) return undefined;
	let value = keepMarker ? first : first & (0xff >> length);
	let allOnes = value === 0xff >> length;
	for (let i = 1; i < length; i++) {
		value = value * 256 + b[at + i];
		allOnes &&= b[at + i] === 0xff;
	}
	return { value, length, unknown: !keepMarker && allOnes };
}

function uint(body: Uint8Array): number {
	return body.reduce((value, byte) => value * 256 + byte, 0);
}

function float(body: Uint8Array): number {
	const view = new DataView(body.buffer, body.byteOffset, body.length);
	return body.length === 4 ? view.getFloat32(0) : body.length === 8 ? view.getFloat64(0) : NaN;
}
