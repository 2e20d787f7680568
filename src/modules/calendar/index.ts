import { defineModule, type Service } from "../../core/module.ts";
import { registerCommands } from "./commands/register.ts";

const calendarModule = defineModule({
  name: "calendar",
  summary: "School calendars as data, iCal feeds, Google Calendar sync and reminders",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.CalendarConfig),
  secrets: [
    {
      name: "google_client_secret",
      description: "secret of the Google OAuth client (type Desktop app) named in calendar.google.client_id",
      env: ["GOOGLE_CLIENT_SECRET"],
    },
    {
      name: "google_refresh_token",
      description: "Google refresh token written by `deskhub calendar login`",
      env: ["GOOGLE_REFRESH_TOKEN"],
      files: ["~/.config/deskhub/google_refresh_token"],
    },
    {
      name: "google_service_account_key",
      description: "JSON key of a Google service account, for calendar.google.auth: service_account",
      env: ["GOOGLE_SERVICE_ACCOUNT_KEY"],
      files: ["~/.config/deskhub/google-service-account.json"],
    },
  ],
  readiness(config) {
    if (config.schools.length === 0 && config.feeds.length === 0) {
      return {
        ready: false,
        missing: "no calendars configured",
        how: "add a school (calendar.schools: [{id: alva, municipality: uppsala}]) or an iCal feed (calendar.feeds) to config.yaml",
      };
    }
    return { ready: true };
  },
  commands: registerCommands,
  service(ctx, config) {
    // Routes are added now (the server starts listening before services start); what
    // they need, and the service itself, loads only when the daemon runs them.
    ctx.http.register(async (app) => {
      const { calendarRoutes } = await import("./routes.ts");
      const { dataDirs } = await import("./school/repository.ts");
      await app.register(calendarRoutes({ config, dirs: dataDirs(ctx.paths, config.data_dir) }));
    });
    let service: Service | undefined;
    return {
      async start() {
        const { calendarService } = await import("./service.ts");
        service = calendarService(ctx, config);
        await service.start();
      },
      async stop() {
        await service?.stop();
      },
    };
  },
});

export default calendarModule;
