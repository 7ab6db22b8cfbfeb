/**
 * M4A (MP4 audio): `moov/mvhd`'s duration, read while the file streams past (box headers read, payloads
 * skipped unread; `moov` may come before or after `mdat`). A fragmented file (browser MediaRecorder,
 * ffmpeg into a pipe) leaves that duration 0: then `mvex/mehd` has the total, or, without it, the
 * fragments do: each `moof/traf/trun` lists its samples' durations (or a default from `tfhd`/`trex`),
 * summed in the track's timescale (`mdhd`) to the end of the file.
 */
import { bytes, type ByteReader } from './byteReader';
import { countedOrScaled, durationOf, type MediaDuration } from './mediaDuration';
import { mvhdSeconds } from './mp4Duration';

/** Boxes whose children matter: walked into, not skipped. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'mvex', 'moof', 'traf']);
/** Small boxes read whole (their first bytes are all that is used). */
const READ_BOXES = new Set(['mvhd', 'mdhd', 'mehd', 'trex', 'tfhd']);
const SMALL_BOX_BYTES = 32;
/** trun entries read at a time: a five-minute file in one fragment has some 15,000. */
const TRUN_BATCH = 4096;
const TRUN_DURATIONS = 0x100;

interface Walk {
	movieSeconds?: number;
	mvhdTimescale?: number;
	mehdUnits?: number;
	/** The first track's timescale and ID, and trex's default sample duration for it. */
	trackTimescale?: number;
	trackId?: number;
	trexDuration?: number;
	/** The current traf: its track, and tfhd's default sample duration. */
	trafTrackId?: number;
	tfhdDuration?: number;
	fragmentUnits: number;
	fragments: number;
}

export async function m4aDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const walk: Walk = { fragmentUnits: 0, fragments: 0 };
	const start = reader.position;
	await walkBoxes(reader, Infinity, walk);
	if (walk.movieSeconds !== undefined) return { seconds: walk.movieSeconds, format: 'm4a', estimated: false };
	const fromMehd = walk.mehdUnits === undefined || walk.mvhdTimescale === undefined ? undefined : durationOf(walk.mehdUnits, walk.mvhdTimescale);
	if (fromMehd !== undefined) return { seconds: fromMehd, format: 'm4a', estimated: false };
	if (walk.fragments === 0 || walk.trackTimescale === undefined) return undefined;
	const seconds = durationOf(walk.fragmentUnits, walk.trackTimescale);
	return seconds === undefined ? undefined : countedOrScaled(seconds, 'm4a', { start, position: reader.position, fileSize });
}

/** Walks the boxes up to `end`; false once there is nothing more to learn (a duration found, or bad boxes). */
async function walkBoxes(reader: ByteReader, end: number, walk: Walk): Promise<boolean> {
	while (reader.position < end) {
		const boxStart = reader.position;
		const header = await reader.read(8);
		if (!header) return false;
		const type = bytes.ascii(header, 4, 4);
		const size32 = bytes.u32be(header, 0);
		const large = size32 === 1 ? await reader.read(8) : undefined;
		if (size32 === 1 && !large) return false;
		const size = large ? bytes.u64be(large, 0) : size32 === 0 ? Infinity : size32;
		const boxEnd = boxStart + size;
		if (!/^[\x20-\x7e\xa9]{4}$/.test(type) || size < reader.position - boxStart || boxEnd > end) return false;
		if (CONTAINERS.has(type)) {
			if (type === 'traf') walk.tfhdDuration = undefined;
			if (!(await walkBoxes(reader, boxEnd, walk))) return false;
			// A whole file (not fragmented) is done once its moov is read: the mdat needs no reading.
			if (type === 'moov' && (walk.movieSeconds !== undefined || walk.mehdUnits !== undefined)) return false;
		} else if (READ_BOXES.has(type)) {
			const kept = Math.min(size - (reader.position - boxStart), SMALL_BOX_BYTES);
			const body = await reader.read(kept);
			if (!body) return false;
			readSmallBox(type, body, walk);
		} else if (type === 'trun') {
			if (!(await readTrun(reader, walk))) return false;
		}
		// A box that runs to the end of the file (size 0) is the last one.
		if (size === Infinity || !(await reader.skip(boxEnd - reader.position))) return false;
	}
	return true;
}

function readSmallBox(type: string, body: Uint8Array, walk: Walk): void {
	const version = body[0];
	if (type === 'mvhd') {
		walk.movieSeconds = mvhdSeconds(body);
		walk.mvhdTimescale = version === 1 ? bytes.u32be(body, 20) : bytes.u32be(body, 12);
	} else if (type === 'mdhd' && walk.trackTimescale === undefined) {
		walk.trackTimescale = version === 1 ? bytes.u32be(body, 20) : bytes.u32be(body, 12);
	} else if (type === 'mehd') {
		const units = version === 1 ? bytes.u64be(body, 4) : bytes.u32be(body, 4);
		walk.mehdUnits = units > 0 ? units : undefined;
	} else if (type === 'trex' && walk.trackId === undefined) {
		walk.trackId = bytes.u32be(body, 4);
		walk.trexDuration = bytes.u32be(body, 12);
	} else if (type === 'tfhd') {
		const flags = bytes.u32be(body, 0) & 0xffffff;
		walk.trafTrackId = bytes.u32be(body, 4);
		// Optional fields in order: base data offset (8), sample description index (4), default duration (4).
		const at = 8 + (flags & 0x01 ? 8 : 0) + (flags & 0x02 ? 4 : 0);
		walk.tfhdDuration = flags & 0x08 ? bytes.u32be(body, at) : undefined;
	}
}

/** Adds a track run's sample durations (each listed, or the default times the count). */
async function readTrun(reader: ByteReader, walk: Walk): Promise<boolean> {
	const head = await reader.read(8);
	if (!head) return false;
	walk.fragments++;
	if (walk.trackId !== undefined && walk.trafTrackId !== undefined && walk.trafTrackId !== walk.trackId) return true;
	const flags = bytes.u32be(head, 0) & 0xffffff;
	const samples = bytes.u32be(head, 4);
	if (!(flags & TRUN_DURATIONS)) {
		walk.fragmentUnits += samples * (walk.tfhdDuration ?? walk.trexDuration ?? 0);
		return true;
	}
	// Optional data offset and first-sample flags, then per sample: duration, size, flags, composition offset.
	if (!(await reader.skip((flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0)))) return false;
	const entryBytes = 4 * [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length;
	for (let left = samples; left > 0; ) {
		const batch = Math.min(left, TRUN_BATCH);
		const entries = await reader.read(batch * entryBytes);
		if (!entries) return false;
		for (let i = 0; i < batch; i++) walk.fragmentUnits += bytes.u32be(entries, i * entryBytes);
		left -= batch;
	}
	return true;
}
