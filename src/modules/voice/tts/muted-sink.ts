import type { MicMute } from "../../../desktop/audio/mic-mute.ts";
import type { PcmFormat, PcmSink } from "../../../desktop/audio/playback.ts";

type OpenSink = (format: PcmFormat) => Promise<PcmSink>;

/**
 * A player that keeps the microphone muted while it plays, for audio that does not go
 * through the Speaker (the Realtime API's spoken answers): deskhub must not hear itself.
 * The microphone comes back when the sink ends or is aborted, or when it cannot open.
 */
export function mutedWhilePlaying(open: OpenSink, mic: MicMute | undefined): OpenSink {
  if (!mic) return open;
  return async (format) => {
    const release = await mic.hold();
    let sink: PcmSink;
    try {
      sink = await open(format);
    } catch (error) {
      await release();
      throw error;
    }
    return {
      name: sink.name,
      write: (pcm) => sink.write(pcm),
      async end() {
        try {
          await sink.end();
        } finally {
          await release();
        }
      },
      abort() {
        sink.abort();
        void release();
      },
    };
  };
}
