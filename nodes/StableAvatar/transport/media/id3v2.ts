/** ID3v2 tags in front of MP3 (and sometimes FLAC) audio: skipped whole, cover art included, unread. */
import type { ByteReader } from './byteReader';

/** A file with more tags than this in a row is not audio. */
const MAX_TAGS = 8;

/** Skips the ID3v2 tags at the reader's position. False when the file ends inside one. */
export async function skipId3v2Tags(reader: ByteReader): Promise<boolean> {
	for (let tags = 0; tags < MAX_TAGS; tags++) {
		const header = await reader.peek(10);
		if (!isId3v2Header(header)) return true;
		// The size is "syncsafe": 7 bits per byte, and excludes the header and the optional footer.
		const size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9];
		const footer = header[5] & 0x10 ? 10 : 0;
		if (!(await reader.skip(10 + size + footer))) return false;
	}
	return true;
}

function isId3v2Header(h: Uint8Array): boolean {
	return (
		h.length === 10 &&
		h[0] === 0x49 && h[1] === 0x44 && h[2] === 0x33 && // "ID3"
		h[3] < 0xff && h[4] < 0xff &&
		h[6] < 0x80 && h[7] < 0x80 && h[8] < 0x80 && h[9] < 0x80
	);
}
