/**
 * A poster URL; Jellyfin serves images without authentication, so it holds no token.
 * Apart from the client so that a menu can build it without loading the client.
 */
export function jellyfinImageUrl(baseUrl: string, id: string, tag: string, height = 96): string {
  const params = new URLSearchParams({ fillHeight: String(height), quality: "85", tag });
  return `${baseUrl.replace(/\/+$/, "")}/Items/${id}/Images/Primary?${params}`;
}
