/**
 * Home Assistant's documented rules for device-based MQTT discovery
 * (https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload and the
 * pages of each MQTT platform), as a checker the tests run published payloads through.
 */

/** "Supported abbreviations in MQTT discovery messages" (the keys only). */
export const ENTITY_ABBREVIATIONS = new Set(
  `act_t act_tpl atype aux_cmd_t aux_stat_t aux_stat_tpl av_tones avty avty_mode avty_t avty_tpl away_mode_cmd_t
  away_mode_stat_t away_mode_stat_tpl b_tpl bri_cmd_t bri_cmd_tpl bri_scl bri_stat_t bri_tpl bri_val_tpl
  clr_temp_cmd_tpl clr_temp_cmd_t clr_temp_k clr_temp_stat_t clr_temp_tpl clr_temp_val_tpl clrm_stat_t clrm_val_tpl
  cmd_off_tpl cmd_on_tpl cmd_t cmd_tpl cmps cod_arm_req cod_dis_req cod_trig_req cont_type curr_temp_t curr_temp_tpl
  def_ent_id dev dev_cla dir_cmd_t dir_cmd_tpl dir_stat_t dir_val_tpl dsp_prc e en ent_cat ent_pic evt_typ exp_aft
  fanspd_lst flsh flsh_tlng flsh_tsht fx_cmd_t fx_cmd_tpl fx_list fx_stat_t fx_tpl fx_val_tpl fan_mode_cmd_t
  fan_mode_cmd_tpl fan_mode_stat_t fan_mode_stat_tpl frc_upd g_tpl hs_cmd_t hs_cmd_tpl hs_stat_t hs_val_tpl ic img_e
  img_t init hum_cmd_t hum_cmd_tpl hum_stat_t hum_state_tpl json_attr json_attr_t json_attr_tpl l_ver_t l_ver_tpl
  lrst_t lrst_val_tpl max max_hum max_k max_mirs max_temp migr_discvry min min_hum min_k min_mirs min_temp mode
  mode_cmd_t mode_cmd_tpl mode_stat_t mode_stat_tpl modes name o off_dly on_cmd_type ops opt osc_cmd_t osc_cmd_tpl
  osc_stat_t osc_val_tpl p pct_cmd_t pct_cmd_tpl pct_stat_t pct_val_tpl pl pl_arm_away pl_arm_custom_b pl_arm_home
  pl_arm_nite pl_arm_vacation pl_avail pl_cln_sp pl_cls pl_dir_fwd pl_dir_rev pl_disarm pl_home pl_inst pl_loc
  pl_lock pl_not_avail pl_not_home pl_off pl_on pl_open pl_osc_off pl_osc_on pl_paus pl_prs pl_ret pl_rst pl_rst_hum
  pl_rst_mode pl_rst_pct pl_rst_pr_mode pl_stop pl_stop_tilt pl_stpa pl_strt pl_toff pl_ton pl_trig pl_unlk pos
  pos_clsd pos_open pr_mode_cmd_t pr_mode_cmd_tpl pr_mode_stat_t pr_mode_val_tpl pr_modes ptrn r_tpl rel_s rel_u ret
  rgb_cmd_t rgb_cmd_tpl rgb_stat_t rgb_val_tpl rgbw_cmd_t rgbw_cmd_tpl rgbw_stat_t rgbw_val_tpl rgbww_cmd_t
  rgbww_cmd_tpl rgbww_stat_t rgbww_val_tpl send_cmd_t send_if_off set_fan_spd_t set_pos_t set_pos_tpl pos_t pos_tpl
  spd_rng_min spd_rng_max src_type stat_cla stat_closing stat_clsd stat_jam stat_locked stat_locking stat_off stat_on
  stat_open stat_opening stat_stopped stat_unlocked stat_unlocking stat_t stat_tpl stat_val_tpl step stype
  sug_dsp_prc sup_clrm sup_dur sup_vol sup_feat swing_mode_cmd_t swing_mode_cmd_tpl swing_mode_stat_t
  swing_mode_stat_tpl t temp_cmd_t temp_cmd_tpl temp_hi_cmd_t temp_hi_cmd_tpl temp_hi_stat_t temp_hi_stat_tpl
  temp_lo_cmd_t temp_lo_cmd_tpl temp_lo_stat_t temp_lo_stat_tpl temp_stat_t temp_stat_tpl temp_unit tilt_clsd_val
  tilt_cmd_t tilt_cmd_tpl tilt_max tilt_min tilt_opnd_val tilt_opt tilt_status_t tilt_status_tpl tit trns uniq_id
  unit_of_meas url_t url_tpl val_tpl whit_cmd_t whit_scl xy_cmd_t xy_cmd_tpl xy_stat_t xy_val_tpl`.split(
    /\s+/,
  ),
);

/** "Supported abbreviations for device registry configuration". */
export const DEVICE_ABBREVIATIONS = new Set([
  "cu",
  "cns",
  "ids",
  "name",
  "mf",
  "mdl",
  "mdl_id",
  "hw",
  "sw",
  "sa",
  "sn",
]);

/** "Supported abbreviations for origin info". */
export const ORIGIN_ABBREVIATIONS = new Set(["name", "sw", "url"]);

/** Shared options documented at the root of a device discovery payload, written out in full. */
const ROOT_FULL_NAMES = new Set([
  "qos",
  "state_topic",
  "command_topic",
  "encoding",
  "availability",
  "availability_topic",
]);

/** The options each platform's page marks as required. */
export const REQUIRED: Record<string, readonly string[]> = {
  sensor: ["stat_t"],
  binary_sensor: ["stat_t"],
  switch: ["cmd_t"],
  button: ["cmd_t"],
  text: ["cmd_t"],
  select: ["cmd_t", "ops"],
  number: ["cmd_t"],
};

const ID = /^[a-zA-Z0-9_-]+$/;
const TOPIC_WITHOUT_WILDCARDS = /^[^#+]+$/;

/** Every documented rule the payload breaks; empty when Home Assistant would accept it all. */
export function discoveryProblems(topic: string, message: object, deviceName: string): string[] {
  const payload = message as Record<string, unknown>;
  const problems: string[] = [];
  const topicMatch = /^[^/]+\/device\/([^/]+)\/config$/.exec(topic);
  if (!topicMatch) problems.push(`topic ${topic} is not <prefix>/device/<object_id>/config`);
  else if (!ID.test(topicMatch[1]!))
    problems.push(`object id ${topicMatch[1]} has characters outside [a-zA-Z0-9_-]`);

  for (const key of Object.keys(payload)) {
    if (!ENTITY_ABBREVIATIONS.has(key) && !ROOT_FULL_NAMES.has(key))
      problems.push(`root key ${key} is not documented`);
  }
  const dev = payload.dev as Record<string, unknown> | undefined;
  if (!dev) problems.push("device (dev) is missing; it is required for device discovery");
  else {
    for (const key of Object.keys(dev))
      if (!DEVICE_ABBREVIATIONS.has(key)) problems.push(`device key ${key} is not documented`);
    if (!dev.ids && !dev.cns) problems.push("device needs identifiers (ids) or connections (cns)");
    if (dev.cu !== undefined && !URL.canParse(String(dev.cu)))
      problems.push("configuration_url is not a URL");
  }
  const origin = payload.o as Record<string, unknown> | undefined;
  if (!origin) problems.push("origin (o) is missing; it is required for device discovery");
  else {
    for (const key of Object.keys(origin))
      if (!ORIGIN_ABBREVIATIONS.has(key)) problems.push(`origin key ${key} is not documented`);
    if (typeof origin.name !== "string" || !origin.name) problems.push("origin name is required");
    if (origin.url !== undefined && !URL.canParse(String(origin.url)))
      problems.push("origin url is not a URL");
  }
  for (const key of ["avty_t", "stat_t", "cmd_t"]) {
    const value = payload[key];
    if (value !== undefined && !TOPIC_WITHOUT_WILDCARDS.test(String(value)))
      problems.push(`${key} has a wildcard`);
  }

  const cmps = payload.cmps as Record<string, Record<string, unknown>> | undefined;
  if (!cmps || typeof cmps !== "object") {
    problems.push("components (cmps) is missing");
    return problems;
  }
  const uniqueIds = new Set<string>();
  const entityIds = new Set<string>();
  for (const [key, component] of Object.entries(cmps)) {
    const where = `component ${key}`;
    if (!ID.test(key)) problems.push(`${where}: key has characters outside [a-zA-Z0-9_-]`);
    const platform = component.p;
    if (typeof platform !== "string") {
      problems.push(`${where}: platform (p) is required`);
      continue;
    }
    // A component with only `p` is how a removal is announced.
    if (Object.keys(component).length === 1) continue;
    for (const field of Object.keys(component)) {
      if (!ENTITY_ABBREVIATIONS.has(field))
        problems.push(`${where}: ${field} is not a documented abbreviation`);
    }
    for (const field of REQUIRED[platform] ?? []) {
      if (component[field] === undefined) problems.push(`${where}: ${platform} requires ${field}`);
    }
    const uniqueId = component.uniq_id;
    if (typeof uniqueId !== "string" || !uniqueId)
      problems.push(`${where}: entity components need a unique_id`);
    else if (uniqueIds.has(uniqueId)) problems.push(`${where}: unique_id ${uniqueId} is used twice`);
    else uniqueIds.add(uniqueId);
    const entityId = component.def_ent_id;
    if (entityId !== undefined) {
      if (typeof entityId !== "string" || !new RegExp(`^${platform}\\.[a-z0-9_]+$`).test(entityId)) {
        problems.push(
          `${where}: default_entity_id ${String(entityId)} is not ${platform}.<lowercase object id>`,
        );
      } else if (entityIds.has(entityId))
        problems.push(`${where}: default_entity_id ${entityId} is used twice`);
      else entityIds.add(entityId);
    }
    if (component.obj_id !== undefined || component.object_id !== undefined) {
      problems.push(
        `${where}: object_id is deprecated since 2025.10 (stops working in 2026.4); use default_entity_id`,
      );
    }
    const category = component.ent_cat;
    if (category !== undefined && category !== "config" && category !== "diagnostic") {
      problems.push(`${where}: entity_category ${String(category)} is not config or diagnostic`);
    }
    if (category === "config" && (platform === "sensor" || platform === "binary_sensor")) {
      problems.push(`${where}: a ${platform} cannot be in the config category`);
    }
    if (component.exp_aft !== undefined) {
      if (platform !== "sensor" && platform !== "binary_sensor")
        problems.push(`${where}: expire_after is for sensors only`);
      if (!Number.isInteger(component.exp_aft) || (component.exp_aft as number) <= 0) {
        problems.push(`${where}: expire_after must be a positive integer`);
      }
    }
    if (platform === "select" && (!Array.isArray(component.ops) || component.ops.length === 0)) {
      problems.push(`${where}: a select needs a list of options`);
    }
    const name = component.name;
    if (typeof name === "string" && name.toLowerCase().startsWith(deviceName.toLowerCase())) {
      problems.push(`${where}: name "${name}" starts with the device name`);
    }
    for (const field of ["stat_t", "cmd_t", "json_attr_t"]) {
      const value = component[field];
      if (value !== undefined && !TOPIC_WITHOUT_WILDCARDS.test(String(value)))
        problems.push(`${where}: ${field} has a wildcard`);
    }
  }
  return problems;
}
