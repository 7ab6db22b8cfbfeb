/**
 * Raw PCM (OpenAI's `pcm`, ElevenLabs' `pcm_24000`): samples with no header at all, so neither fal nor
 * this node can tell its sample rate, sample size or channels from the bytes. Recognised by what the
 * file is called, once its bytes matched no format we read.
 *
 * Refused rather than wrapped into a WAV: the name carries the rate at best (`audio/L16;rate=24000`),
 * often nothing (`audio/pcm`, `application/octet-stream`), and a wrong guess makes a video whose speech
 * runs at the wrong speed, billed in full. Asking the speech service for WAV or MP3 costs nothing.
 */
const PCM_TYPES = /^audio\/(pcm|l8|l16|l24|raw|x-pcm|x-raw)\b/i;
const PCM_EXTENSIONS = /\.(pcm|raw|s16le|l16)$/i;

/** The format name readAudio gives raw PCM. */
export const RAW_PCM = 'raw PCM';

export function isRawPcm(contentType?: string, fileName?: string): boolean {
	return PCM_TYPES.test(contentType?.trim() ?? '') || PCM_EXTENSIONS.test(fileName?.trim() ?? '');
}

export const RAW_PCM_FIX =
	'Raw PCM has no header saying its sample rate or channels, so the model may not read it and its length cannot be known. ' +
	'Ask the speech service for WAV or MP3 instead (OpenAI: response_format "wav" or "mp3"; ElevenLabs: output_format "mp3_44100_128"), ' +
	'or convert it first (e.g. ffmpeg -f s16le -ar 24000 -ac 1 -i speech.pcm speech.wav).';
