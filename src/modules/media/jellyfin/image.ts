import type { ImageFormat } from "@jellyfin/sdk/lib/generated-client/models/image-format.js";

/**
 * What posters are asked for as. PNG is the one format every menu program draws
 * (fuzzel reads no JPEG), and one known format gives each poster a known file name: a
 * menu can name the file before it has been fetched.
 */
export const POSTER_EXTENSION = "png";
const POSTER_FORMAT: ImageFormat = "Png";

/**
 * A poster URL; Jellyfin serves images without authentication, so it holds no token.
 * Apart from the client so that a menu can build it without loading the client.
 */
export function jellyfinImageUrl(baseUrl: string, id: string, tag: string, height = 96): string {
  const params = new URLSearchParams({
    fillHeight: String(height),
    quality: "85",
    format: POSTER_FORMAT,
    tag,
  });
  return `${baseUrl.replace(/\/+$/, "")}/Items/${id}/Images/Primary?${params}`;
}
