import { formatProblems } from "../../core/config/load.ts";
import { pidPath, socketPath } from "../../core/control/protocol.ts";
import { createLogger, type LogLevel, LogTail } from "../../core/log.ts";
import type { ModuleDef } from "../../core/module.ts";
import { packageInfo } from "../../core/package-info.ts";
import { resolvePaths } from "../../core/paths.ts";
import { closeDatabases, createRuntime, type Runtime } from "../../core/runtime.ts";
import { createDashboard } from "../dashboard/server.ts";
import { startStatusFiles } from "../sinks/status-files.ts";
import { ControlServer } from "./control-server.ts";
import { acquirePidFile } from "./pidfile.ts";
import { Supervisor } from "./supervisor.ts";

export const STOP_DEADLINE_MS = 5_000;

export interface DaemonHandle {
  runtime: Runtime;
  supervisor: Supervisor;
  dashboardUrl: string;
  stop(): Promise<void>;
}

/**
 * `deskhub up`: one process that runs every enabled module's service, the dashboard,
 * the control socket and the status-file sink, and stops them all within the deadline.
 */
export async function startDaemon(options: {
  env: NodeJS.ProcessEnv;
  modules: readonly ModuleDef[];
  configFile?: string;
}): Promise<DaemonHandle> {
  const paths = resolvePaths(options.env);
  const releasePid = acquirePidFile(pidPath(paths));
  const cleanups: Array<() => Promise<void> | void> = [releasePid];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  };
  try {
    const tail = new LogTail();
    const log = await createLogger({
      level: (options.env.DESKHUB_LOG_LEVEL as LogLevel | undefined) ?? "info",
      dir: paths.logDir,
      pretty: process.stderr.isTTY,
      tail,
    });
    const runtime = await createRuntime({
      env: options.env,
      modules: options.modules,
      log,
      configFile: options.configFile,
      allowInvalid: true,
    });
    if (runtime.config.log.level !== "info" && !options.env.DESKHUB_LOG_LEVEL)
      log.level = runtime.config.log.level;
    cleanups.push(() => closeDatabases(runtime));
    const problems = runtime.loaded.problems;
    if (problems.length) {
      log.error(
        `the config has problems; running with defaults and no module services:\n${formatProblems(problems)}`,
      );
    }
    const startedAt = Date.now();
    const version = packageInfo().version;
    const dashboard = createDashboard({ runtime, tail, version, startedAt });
    const supervisor = new Supervisor(runtime, { registerHttp: dashboard.register });
    if (problems.length) {
      for (const def of options.modules) {
        const id = `${def.name}.health`;
        runtime.store.define({ id, kind: "sensor", name: `${def.name} health`, category: "diagnostic" });
        runtime.store.set(id, "needs_config", {
          summary: def.summary,
          restarts: 0,
          message: "the config file has problems",
          how: "fix the problems listed under Config, then restart deskhub",
        });
      }
    } else {
      await supervisor.prepare();
    }
    const dashboardUrl = await dashboard.listen();
    cleanups.push(() => dashboard.close());
    const control = new ControlServer(socketPath(paths), {
      store: runtime.store,
      status: () => ({
        pid: process.pid,
        version,
        hostname: runtime.hostname,
        startedAt,
        dashboard: dashboardUrl,
        configFiles: runtime.loaded.files,
        problems: runtime.loaded.problems,
        modules: supervisor.health(),
      }),
    });
    await control.listen();
    cleanups.push(() => control.close());
    if (runtime.config.status_files.enabled) {
      const stopFiles = startStatusFiles(runtime.store, runtime.config.status_files, paths, log);
      cleanups.push(stopFiles);
    }
    log.info(
      { dashboard: dashboardUrl, pid: process.pid },
      `deskhub ${version} running; dashboard at ${dashboardUrl}`,
    );
    await supervisor.start();
    cleanups.push(() => supervisor.stop(STOP_DEADLINE_MS - 1_000));
    return {
      runtime,
      supervisor,
      dashboardUrl,
      async stop() {
        log.info("stopping");
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
