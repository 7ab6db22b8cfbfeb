#!/usr/bin/env bash
# Regenerates the tiny audio and video fixtures of the media parsers' tests (test/fixtures/media/) with
# ffmpeg, and records ffprobe's duration of each in durations.json, the figure the tests compare with.
# Run once by hand when a fixture is added; the outputs are committed (the tests do not need ffmpeg).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/test/fixtures/media"
mkdir -p "$out"
cd "$out"

ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
# 2.5 s of a tone that moves (so the lossy encoders have something to code), mono, 16 kHz.
tone=(-f lavfi -i "sine=frequency=330:beep_factor=4:sample_rate=16000:duration=2.5")

ff "${tone[@]}" -ac 1 -c:a pcm_s16le -fflags +bitexact wav-pcm16.wav
# 32-bit float is written as WAVE_FORMAT_EXTENSIBLE with a fact chunk; the LIST/INFO chunk ffmpeg adds
# without +bitexact sits between fmt and data.
ff "${tone[@]}" -ac 1 -c:a pcm_f32le wav-float-extensible.wav
ff "${tone[@]}" -ac 1 -c:a libmp3lame -b:a 32k -write_xing 0 -id3v2_version 0 mp3-cbr-no-xing.mp3
ff "${tone[@]}" -ac 1 -c:a libmp3lame -q:a 9 -id3v2_version 0 mp3-vbr-xing.mp3
ff "${tone[@]}" -ac 1 -c:a libmp3lame -b:a 32k -id3v2_version 3 -metadata title="Fixture with an ID3v2 tag" -metadata artist="n8n-nodes-stable-avatar" mp3-id3v2.mp3
ff "${tone[@]}" -ac 1 -c:a aac -b:a 24k -movflags +faststart m4a-moov-start.m4a
ff "${tone[@]}" -ac 1 -c:a aac -b:a 24k m4a-moov-end.m4a
ff "${tone[@]}" -ac 1 -c:a libopus -b:a 12k ogg-opus.opus
ff "${tone[@]}" -ac 1 -c:a libvorbis -q:a 0 ogg-vorbis.ogg
ff "${tone[@]}" -ac 1 -c:a flac flac.flac
# Speech, as text-to-speech services send it: espeak-ng at 16 kHz mono, then encoded their ways.
speech="$(mktemp --suffix=.wav)"
trap 'rm -f "$speech"' EXIT
espeak-ng -s 170 -w "$speech" "Stable Avatar turns a portrait and a voice into a talking video."
voice=(-i "$speech" -ac 1)
# Self-hosted TTS behind ffmpeg, piped: VBR with no Xing header (ffmpeg cannot seek back to write it).
ff "${voice[@]}" -c:a libmp3lame -q:a 4 -write_xing 0 -id3v2_version 0 -f mp3 mp3-vbr-no-xing.mp3
# ElevenLabs' default: CBR, no Xing header, at 22.05 kHz here (MPEG-2 frames of 576 samples).
ff "${voice[@]}" -ar 22050 -c:a libmp3lame -b:a 32k -write_xing 0 -id3v2_version 0 mp3-cbr-22khz-no-xing.mp3
# OpenAI's `aac`: raw ADTS frames, no container.
ff "${voice[@]}" -c:a aac -b:a 24k -f adts aac-adts.aac
# Fragmented M4A, as Safari's MediaRecorder writes it: an empty moov (duration 0), then moof+mdat pairs.
ff "${voice[@]}" -c:a aac -b:a 24k -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 m4a-fragmented.m4a
# WebM/Opus as a browser's MediaRecorder sends it: no Duration, clusters of unknown size (written into a pipe),
# and the same written to a file, with its Duration.
ffmpeg -hide_banner -loglevel error -i "$speech" -ac 1 -c:a libopus -b:a 24k -f webm pipe:1 > webm-opus-streamed.webm
ff "${voice[@]}" -c:a libopus -b:a 24k webm-opus.webm
# FLAC written into a pipe: STREAMINFO's sample count stays 0 (8 kHz keeps the file under 64 KiB).
ffmpeg -hide_banner -loglevel error -i "$speech" -ac 1 -ar 8000 -c:a flac -f flac pipe:1 > flac-streamed.flac

video=(-f lavfi -i "testsrc=size=64x64:rate=10:duration=3" -c:v libx264 -pix_fmt yuv420p -crf 45 -preset veryfast)
ff "${video[@]}" -movflags +faststart video-moov-start.mp4
ff "${video[@]}" video-moov-end.mp4

{
	echo '{'
	first=1
	for file in *.wav *.mp3 *.m4a *.opus *.ogg *.flac *.aac *.webm *.mp4; do
		seconds="$(ffprobe -v error -show_entries format=duration -of default=noprint_wrappers=1:nokey=1 "$file")"
		case "$file" in
		# ffprobe only guesses these from the bitrate: the truth is the decoded samples (mono s16 at the file's rate).
		*no-xing.mp3 | *.aac | *-streamed.flac | *.webm)
			rate="$(ffprobe -v error -select_streams a:0 -show_entries stream=sample_rate -of default=noprint_wrappers=1:nokey=1 "$file")"
			# Opus decodes at 48 kHz whatever its input was.
			case "$file" in *.webm) rate=48000 ;; esac
			bytes="$(ffmpeg -v error -i "$file" -f s16le -ac 1 -ar "$rate" - | wc -c)"
			seconds="$(awk -v b="$bytes" -v r="$rate" 'BEGIN { printf "%.6f", b / 2 / r }')"
			;;
		esac
		[ "$first" = 1 ] || echo ','
		first=0
		printf '\t"%s": %s' "$file" "$seconds"
	done
	echo
	echo '}'
} > durations.json
cat durations.json
du -ch -- *.wav *.mp3 *.m4a *.opus *.ogg *.flac *.aac *.webm *.mp4 | tail -1
