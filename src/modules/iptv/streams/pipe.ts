import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream";

type Stage = NodeJS.ReadableStream | NodeJS.ReadWriteStream;

/**
 * `stream.pipeline` into a client's response, with end-to-end backpressure, that also
 * ends the moment the client goes away. Node 24's pipeline does not always settle when
 * an http.ServerResponse is closed by the client mid-body (the source is then never
 * destroyed), so the response's own `close` is watched too: it destroys every stage,
 * which aborts the provider request at once.
 * Resolves true when the whole body was delivered.
 */
export function pipeToClient(res: ServerResponse, stages: readonly Stage[]): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const destroyAll = () => {
      for (const stage of stages) (stage as NodeJS.ReadableStream & { destroy(): void }).destroy();
    };
    const finish = (delivered: boolean) => {
      if (settled) return;
      settled = true;
      res.off("close", onClose);
      resolve(delivered);
    };
    const onClose = () => {
      destroyAll();
      finish(res.writableFinished);
    };
    res.once("close", onClose);
    const all: ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream> = [
      ...stages,
      res,
    ];
    pipeline(all, (error: NodeJS.ErrnoException | null) => {
      if (error) {
        destroyAll();
        res.destroy();
      }
      finish(!error);
    });
  });
}
