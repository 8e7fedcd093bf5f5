// English and Chinese texts. t("key") returns the text in the chosen language.
const TEXTS = {
  en: {
    app: "Campus Hub", login: "Log in", name: "Name", password: "Password", logout: "Log out",
    wrong_login: "Wrong name or password", incidents: "Incidents", cameras: "Cameras",
    gates: "Gates", devices: "Devices", visitors: "Visitors", broadcast: "Broadcast",
    people: "People", automations: "Automations", admin: "Admin", open_incidents: "Open incidents",
    all_incidents: "Recent incidents", no_incidents: "No open incidents", acknowledge: "Acknowledge",
    dispatch: "Dispatch police", resolve_real: "Resolve: real", resolve_false: "False alarm",
    resolve_test: "Test", add_note: "Add note", note: "Note", timeline: "Timeline",
    snapshots: "Snapshots", select_incident: "Select an incident to see its timeline.",
    status: "Status", priority: "Priority", category: "Category", source: "Source", gate: "Gate",
    raised: "raised", acknowledged: "acknowledged", dispatched: "dispatched", resolved: "resolved",
    false_alarm: "false alarm", p1: "critical", p2: "high", p3: "medium", p4: "low",
    banner_ack: "Acknowledge", open: "Open", close: "Close", hold_open: "Hold open",
    stop: "Stop", state: "State", available: "Available", last_seen: "Last update", opens: "Opens",
    unavailable: "unavailable", battery: "Battery", tamper: "Tamper", platform: "Platform",
    plugins_failed: "Plugins not loaded (disabled after an error)", discovered: "Discovered devices", add_yaml: "YAML to add it", no_cameras: "No cameras configured",
    back: "Back", ptz: "Pan / tilt / zoom", zoom_in: "Zoom in", zoom_out: "Zoom out",
    snapshot: "Snapshot", visitor_check: "Visitor check", step_identity: "1. Identity",
    step_visit: "2. Visit", step_metal: "3. Metal detector", step_locker: "4. Locker",
    step_photo: "5. Photo", id_number: "ID number", phone: "Phone", reason: "Reason",
    host: "Visiting (host)", metal_last: "Last pass", metal_none: "No pass yet: walk the visitor through the detector",
    metal_clear: "Clear", metal_metal: "Metal detected", metal_manual: "Guard's result",
    metal_auto: "From the detector", locker: "Locker", none: "None", items: "Items in the locker",
    take_photo: "Take photo", check_in: "Check in and open gate", check_out: "Check out",
    checked_in: "Checked in", visitor_log: "Visitor log", search: "Search", in_school: "In school",
    duty: "Duty", duty_nobody: "Nobody is on duty.", duty_start: "Start my duty", duty_on: "On duty",
    duty_end: "End my duty and hand over", duty_notes: "Notes for the next guard", duty_waiting: "Handover waiting for sign-off from",
    duty_sign_off: "Sign off and take over", duty_history: "Shifts", duty_signed_by: "signed off by",
    duty_status_on_duty: "on duty", duty_status_handover: "waiting for sign-off", duty_status_signed_off: "signed off",
    duty_handover: "Handed over", duty_open_incidents: "Open incidents", duty_lockers: "Lockers in use",
    duty_visitors_in: "Visitors in school",
    selfcheck: "Self-check", selfcheck_off: "No daily self-check is configured (self_check: in the site file).",
    selfcheck_last: "Last check", selfcheck_never: "Not checked yet", selfcheck_run: "Check now",
    duty_one_key_alarm: "One-key alarm", duty_guard_on_post: "Guard on post", duty_broadcast: "Broadcast",
    duty_video: "Video", duty_person_warning: "Person warning", duty_visitor_check: "Visitor check",
    level_ok: "working", level_warn: "check", level_down: "DOWN", level_none: "nothing configured",
    destination: "Goes to", into_school: "Into the school", meeting_rooms: "Meeting rooms",
    meeting_room: "meeting room", room_occupied: "occupied", room_free: "free",
    left: "Left", all: "All", speaker: "Speaker", message: "Message", presets: "Presets",
    language: "Language", volume: "Volume", send: "Broadcast", sent: "Sent",
    preset_clear: "Please keep the gate area clear.", preset_closed: "The school gate is closed. Please wait.",
    preset_evacuate: "Please leave the gate area calmly and follow the guard's instructions.",
    users: "Users", tokens: "API tokens", audit: "Audit log", role: "Role", create: "Create",
    disable: "Disable", enable: "Enable", revoke: "Revoke", token_once: "Copy this token now; it is shown only once:",
    not_allowed: "Your role may not open this page.", not_available: "Not set up on this hub.",
    trigger: "Run now", result: "Result", last_triggered: "Last run", traces: "Last traces", enabled: "Enabled",
    user: "User", action: "Action", target: "Target", time: "Time", more: "More", saved: "Saved",
    error: "Error", list: "List", connection_lost: "Connection lost, reconnecting…", seconds: "seconds",
    created: "Created", revoked: "revoked", display_name: "Display name", watchlist: "Watch list",
    allowlist: "Allow list", photos: "Photos", remove: "Remove", group: "Group",
    forward: "Sent to police", police_delivered: "Police received", police_delivery_failed: "Police delivery failed",
    police_dead_letter: "Police delivery given up", police_requeued: "Police delivery retried",
    uplink_delivered: "Delivered", uplink_delivery_failed: "Delivery failed",
    uplink_dead_letter: "Delivery given up", uplink_requeued: "Delivery retried",
    uplinks: "Uplinks", uplink_type: "Type", backlog: "Backlog", delivered: "Delivered",
    dropped: "Dropped", dead_letters: "Dead letters", last_delivery: "Last delivery",
    last_error: "Last error", never: "never", no_uplinks: "No uplinks configured (uplinks: in the configuration).",
    uplink_details: "Details", live_views: "live views", camera_pulls: "camera pulls",
    broadcasts_now: "broadcasts", subscriptions: "subscriptions",
    repeated: "Repeated", snapshot_step: "Snapshot", note_step: "Note",
    add_person: "Add a person", group_hint: "Group (staff, student, parent; police category)",
    nobody: "Nobody on this list yet.", add_photo: "Add photo",
    nothing_discovered: "No unconfigured devices found on the network.",
    metal_col: "Metal detector", person_name: "Name", item_name: "Name", system: "hub", tamper_ok: "ok", steps: "steps",
    role_admin: "admin", role_guard: "guard", role_police: "police", role_viewer: "viewer",
    unit_s: "s", unit_m: "min", unit_h: "h", unit_d: "d",
    reset_button: "Reset the button", reset_with_resolve: "Also reset the button (it is latched)",
    alarm_reset: "Reset", alarm_test: "Test alarm", switch_turn_on: "Turn on", switch_turn_off: "Turn off", latched: "latched: waiting for a reset",
    press_not_recorded: "Alarm press NOT recorded yet", presses_waiting: "presses waiting",
    procedure: "Procedure", steps_left: "left", all_done: "all done", done_button: "Done",
    procedure_checked: "Procedure step done", escalated: "Escalated",
    escalation_notified: "Duty list told", escalation_notify_failed: "Duty list NOT told",
    priority_raised: "Priority raised",
    alarm_tests: "Panic-button tests", last_test: "Last test", next_due: "Next due",
    test_ok: "tested", test_due_soon: "due soon", test_overdue: "overdue", test_never_tested: "never tested",
    test_now: "now", start_test_window: "Start test window", test_window_until: "Test window until",
    test_flag: "TEST",
    escalates_unless_ack: "Unless acknowledged", esc_siren: "siren", esc_broadcast: "announcement",
    esc_priority: "priority up", esc_notify: "duty list", esc_forward: "police",
    notify_channels: "Duty notification channels", queued: "Queued", failed: "Failed",
    digests: "Digests", per_min: "a minute",
    last_sent: "Last sent", no_notify: "No notify channels configured (notify: in the configuration).",
    notify_idle: "nothing sent yet", notify_ok: "ok", notify_retrying: "retrying",
    notify_failing: "failing", notify_auth_failed: "key or password refused",
  },
  zh: {
    app: "校园安防中心", login: "登录", name: "用户名", password: "密码", logout: "退出",
    wrong_login: "用户名或密码错误", incidents: "警情", cameras: "摄像机", gates: "道闸",
    devices: "设备", visitors: "访客", broadcast: "广播", people: "人员库", automations: "自动化",
    admin: "管理", open_incidents: "未处理警情", all_incidents: "近期警情", no_incidents: "暂无未处理警情",
    acknowledge: "确认", dispatch: "派警", resolve_real: "处置完毕：真实", resolve_false: "误报",
    resolve_test: "测试", add_note: "添加备注", note: "备注", timeline: "处置记录", snapshots: "抓拍",
    select_incident: "选择一条警情查看处置记录。", status: "状态", priority: "级别", category: "类别",
    source: "来源", gate: "校门", raised: "新警情", acknowledged: "已确认", dispatched: "已派警",
    resolved: "已处置", false_alarm: "误报", p1: "紧急", p2: "高", p3: "中", p4: "低",
    banner_ack: "确认", open: "开闸", close: "关闸", hold_open: "常开", stop: "停止", state: "状态",
    available: "在线", last_seen: "最后更新", opens: "开启", unavailable: "离线", battery: "电量", tamper: "防拆",
    platform: "型号", plugins_failed: "未加载的插件（出错后已停用）", discovered: "发现的设备", add_yaml: "添加用的 YAML", no_cameras: "未配置摄像机",
    back: "返回", ptz: "云台", zoom_in: "放大", zoom_out: "缩小", snapshot: "抓拍",
    visitor_check: "访客登记", step_identity: "1. 身份", step_visit: "2. 来访事由",
    step_metal: "3. 安检门", step_locker: "4. 储物柜", step_photo: "5. 照片", id_number: "证件号码",
    phone: "电话", reason: "事由", host: "被访人", metal_last: "最近通过",
    metal_none: "尚无通过记录：请访客通过安检门", metal_clear: "无金属", metal_metal: "检测到金属",
    metal_manual: "保安判定", metal_auto: "安检门结果", locker: "储物柜", none: "无",
    items: "寄存物品", take_photo: "拍照", check_in: "登记并开闸", check_out: "离校登记",
    checked_in: "已登记", visitor_log: "访客记录", search: "搜索", in_school: "在校", left: "已离校",
    duty: "交接班", duty_nobody: "当前无人值班。", duty_start: "开始值班", duty_on: "值班中",
    duty_end: "结束值班并交班", duty_notes: "交班说明", duty_waiting: "待接班签收，交班人",
    duty_sign_off: "签收并接班", duty_history: "值班记录", duty_signed_by: "签收人",
    duty_status_on_duty: "值班中", duty_status_handover: "待签收", duty_status_signed_off: "已签收",
    duty_handover: "交接内容", duty_open_incidents: "未结事件", duty_lockers: "使用中的储物柜",
    duty_visitors_in: "在校访客",
    selfcheck: "每日自检", selfcheck_off: "未配置每日自检（站点文件中的 self_check:）。",
    selfcheck_last: "上次自检", selfcheck_never: "尚未自检", selfcheck_run: "立即自检",
    duty_one_key_alarm: "一键报警", duty_guard_on_post: "保安在岗", duty_broadcast: "远程广播",
    duty_video: "视频监控", duty_person_warning: "人员预警", duty_visitor_check: "访客查验",
    level_ok: "正常", level_warn: "需检查", level_down: "故障", level_none: "未配置",
    destination: "去向", into_school: "进入校园", meeting_rooms: "会客室", meeting_room: "会客室",
    room_occupied: "使用中", room_free: "空闲",
    all: "全部", speaker: "音柱", message: "内容", presets: "预设", language: "语言", volume: "音量",
    send: "广播", sent: "已发送", preset_clear: "请勿在校门口逗留。", preset_closed: "校门已关闭，请稍候。",
    preset_evacuate: "请有序离开校门区域，听从保安指挥。", users: "用户", tokens: "接口令牌",
    audit: "审计日志", role: "角色", create: "创建", disable: "停用", enable: "启用", revoke: "吊销",
    token_once: "请立即复制令牌，仅显示一次：", not_allowed: "您的角色无权访问此页面。",
    not_available: "本系统未启用此功能。", trigger: "立即运行", result: "结果", last_triggered: "上次运行",
    traces: "最近运行记录", enabled: "启用", user: "用户", action: "操作", target: "对象", time: "时间",
    more: "更多", saved: "已保存", error: "错误", list: "名单", connection_lost: "连接中断，正在重连…",
    seconds: "秒", created: "创建时间", revoked: "已吊销", display_name: "显示名称", watchlist: "布控名单",
    allowlist: "白名单", photos: "照片", remove: "删除", group: "分组",
    forward: "已推送公安", police_delivered: "公安已接收", police_delivery_failed: "推送公安失败",
    police_dead_letter: "推送公安已放弃", police_requeued: "重新推送公安", repeated: "重复报警",
    uplink_delivered: "已送达", uplink_delivery_failed: "推送失败",
    uplink_dead_letter: "推送已放弃", uplink_requeued: "重新推送",
    uplinks: "上联平台", uplink_type: "类型", backlog: "待发送", delivered: "已送达",
    dropped: "已丢弃", dead_letters: "死信", last_delivery: "最近送达",
    last_error: "最近错误", never: "从未", no_uplinks: "未配置上联平台（配置文件中的 uplinks:）。",
    uplink_details: "详情", live_views: "实时视频", camera_pulls: "摄像机拉流",
    broadcasts_now: "语音广播", subscriptions: "订阅",
    snapshot_step: "抓拍", note_step: "备注",
    add_person: "添加人员", group_hint: "分组（教职工、学生、家长；布控类别）", nobody: "名单暂无人员。",
    add_photo: "添加照片", nothing_discovered: "网络上没有发现未配置的设备。",
    metal_col: "安检门", person_name: "姓名", item_name: "名称", system: "系统", tamper_ok: "正常", steps: "个步骤",
    role_admin: "管理员", role_guard: "保安", role_police: "公安", role_viewer: "只读用户",
    unit_s: "秒", unit_m: "分钟", unit_h: "小时", unit_d: "天",
    reset_button: "复位报警按钮", reset_with_resolve: "同时复位报警按钮（已锁定）",
    alarm_reset: "复位", alarm_test: "测试报警", switch_turn_on: "打开", switch_turn_off: "关闭", latched: "已锁定：等待复位",
    press_not_recorded: "报警按键尚未记录", presses_waiting: "次按键待记录",
    procedure: "处置流程", steps_left: "项待完成", all_done: "全部完成", done_button: "完成",
    procedure_checked: "完成处置步骤", escalated: "升级处置",
    escalation_notified: "已通知值班人员", escalation_notify_failed: "通知值班人员失败",
    priority_raised: "已提升等级",
    alarm_tests: "一键报警测试", last_test: "上次测试", next_due: "下次测试",
    test_ok: "已测试", test_due_soon: "即将到期", test_overdue: "已逾期", test_never_tested: "从未测试",
    test_now: "立即", start_test_window: "开始测试时段", test_window_until: "测试时段至",
    test_flag: "测试",
    escalates_unless_ack: "如未确认将", esc_siren: "鸣响警号", esc_broadcast: "现场广播",
    esc_priority: "提升等级", esc_notify: "通知值班人员", esc_forward: "上报公安",
    notify_channels: "值班通知渠道", queued: "排队", failed: "失败",
    digests: "合并发送", per_min: "条/分钟",
    last_sent: "最近发送", no_notify: "未配置通知渠道（配置文件中的 notify:）。",
    notify_idle: "尚未发送", notify_ok: "正常", notify_retrying: "重试中",
    notify_failing: "发送失败", notify_auth_failed: "密钥或密码被拒绝",
  },
};

const CATEGORIES = {
  zh: { panic: "一键报警", watchlist_match: "布控人员", intrusion: "入侵", tamper: "防拆报警",
        metal_detected: "金属探测报警", guard_off_post: "保安离岗", device_offline: "设备离线", visitor: "访客",
        police_hit: "公安比中", unknown_after_hours: "非开放时间陌生人", locker_door_open: "储物柜门未关", locker_item_overnight: "储物柜物品过夜",
        duty_down: "职责自检异常" },
};

// Incident messages the hub writes with a `message_key` (hub/incidents/messages.py): a text
// per language other than English (English shows the incident's own message). `a` holds the
// message's args, `i` the incident.
const MESSAGES = {
  zh: {
    alarm_triggered: (a, i) => `${a.name}：${category(i.category)}`,
    alarm_test: (a) => `${a.name}：测试报警`,
    device_offline: (a) => `${a.name} 离线：${a.reason}`,
    camera_tampered: (a) => `${a.name}：摄像机被遮挡或移位（${a.detail}）`,
    guard_off_post: (a) => `值班期间 ${a.camera} 已 ${a.minutes} 分钟未见保安`,
    watchlist_match: (a) => `布控人员比中：${a.name}（${a.group}），${a.camera}`,
    police_hit: (a) => `公安视图库比中：${a.title}（${a.category}），${a.camera}`,
    unknown_face: (a) => `${a.camera} 在 ${a.schedule} 时段外发现陌生人`,
  },
};

// Entity states, incident classifications and automation results, as the hub names them.
const STATES = {
  zh: { open: "已开启", closed: "已关闭", opening: "正在开启", closing: "正在关闭", stopped: "已停止",
        held_open: "常开", fault: "故障", unknown: "未知", idle: "正常", streaming: "直播中",
        recording: "录像中", triggered: "报警中", unavailable: "离线", playing: "播放中",
        on: "开", off: "关", armed: "布防", disarmed: "撤防",
        real: "真实警情", test: "测试", false_alarm: "误报",
        finished: "已完成", running: "运行中", queued: "排队中", skipped: "已跳过",
        cancelled: "已取消", condition_failed: "条件不满足", error: "出错" },
};

let lang = localStorage.getItem("campus-lang") || "en";

export function setLanguage(value, remember = false) {
  if (!TEXTS[value]) return;
  lang = value;
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
  if (remember) localStorage.setItem("campus-lang", value);
}

export function hasChosenLanguage() { return localStorage.getItem("campus-lang") !== null; }
export function language() { return lang; }
export function t(key) { return TEXTS[lang][key] ?? TEXTS.en[key] ?? key; }
export function stateName(state) {
  const text = String(state ?? "");
  return STATES[lang]?.[text] ?? text.replace(/_/g, " ");
}
export function roleName(role) { return t(`role_${role}`); }
export function category(name) {
  const text = String(name || "").replace(/_/g, " ");
  return CATEGORIES[lang]?.[name] ?? text.charAt(0).toUpperCase() + text.slice(1);
}
export function incidentMessage(i) {
  const key = i.data?.message_key;
  const text = key ? MESSAGES[lang]?.[key] : undefined;
  return text ? text(i.data.message_args || {}, i) : i.message;
}
