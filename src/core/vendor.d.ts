// pino-roll ships no typings; this is the part of its documented API deskhub uses.
declare module "pino-roll" {
  import type { Writable } from "node:stream";

  interface RollOptions {
    file: string | (() => string);
    size?: number | string;
    frequency?: number | string;
    extension?: string;
    symlink?: boolean;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
  }
  export default function build(options: RollOptions): Promise<Writable>;
}
