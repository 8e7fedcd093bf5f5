// English and Chinese texts of the city console. t("key") returns the chosen language's text.
const TEXTS = {
  en: {
    app: "Campus Safety Platform", schools: "Schools", incidents: "Incidents", broadcast: "Broadcast",
    reports: "Reports", logout: "Log out", login: "Log in", username: "Name", password: "Password",
    wrong_login: "Wrong name or password", loading: "Loading…", school: "School", district: "District",
    online: "online", offline: "offline", last_heartbeat: "Last heartbeat", open_incidents: "Open incidents",
    duties: "Five duties", duty_panic: "One-key alarm", duty_guard: "Guard on post", duty_cameras: "Cameras",
    duty_speaker: "Speaker", duty_recognition: "Recognition", last_test: "last test", gate: "Gate",
    alarm: "ALARM", acknowledge: "Acknowledge", dispatch: "Dispatch police", note: "Add note",
    live_view: "Live view", category: "Category", priority: "Priority", status: "Status", time: "Time",
    timeline: "Timeline", actor: "Who", raised: "raised", acknowledged: "acknowledged", dispatched: "dispatched",
    resolved: "resolved", false_alarm: "false alarm", panic: "panic", scope: "Send to", one_school: "One school",
    one_district: "A district", all_schools: "All schools", target: "School or district", text: "Text to speak",
    send: "Send", acks: "Acknowledged by the schools", sent: "sent", ok: "ok", failed: "failed", waiting: "waiting",
    first_day: "From", last_day: "To", show: "Show", csv: "Download CSV", per_day: "Incidents per day by category",
    tta: "Time to acknowledge", availability: "Availability", device_availability: "Device availability", panics: "Panics", panic_tests: "Panic tests",
    off_post: "Off-post warnings", tta_median: "Median time to acknowledge (s)", none: "none",
    not_allowed: "Your role may not do this.", sound_on: "Sound on", connection_lost: "Connection lost, reconnecting…",
  },
  zh: {
    app: "校园安全管控平台", schools: "学校", incidents: "警情", broadcast: "广播", reports: "报表",
    logout: "退出", login: "登录", username: "用户名", password: "密码", wrong_login: "用户名或密码错误",
    loading: "加载中…", school: "学校", district: "区县", online: "在线", offline: "离线",
    last_heartbeat: "最近心跳", open_incidents: "未处理警情", duties: "五项职责", duty_panic: "一键报警",
    duty_guard: "保安在岗", duty_cameras: "视频监控", duty_speaker: "远程广播", duty_recognition: "人员预警",
    last_test: "最近测试", gate: "校门", alarm: "报警", acknowledge: "确认", dispatch: "派警", note: "添加备注",
    live_view: "实时视频", category: "类别", priority: "级别", status: "状态", time: "时间", timeline: "处置记录",
    actor: "处置人", raised: "新警情", acknowledged: "已确认", dispatched: "已派警", resolved: "已处置",
    false_alarm: "误报", panic: "一键报警", scope: "发送范围", one_school: "单个学校", one_district: "一个区县",
    all_schools: "全部学校", target: "学校或区县", text: "播报内容", send: "发送", acks: "学校回执",
    sent: "已发送", ok: "成功", failed: "失败", waiting: "等待中", first_day: "开始", last_day: "结束",
    show: "查询", csv: "下载 CSV", per_day: "每日警情（按类别）", tta: "确认用时", availability: "在线率", device_availability: "设备在线率",
    panics: "一键报警", panic_tests: "报警测试", off_post: "脱岗预警", tta_median: "确认用时中位数（秒）",
    none: "无", not_allowed: "您的角色无权执行此操作。", sound_on: "声音已开启",
    connection_lost: "连接中断，正在重连…",
  },
};

let lang = localStorage.getItem("city-lang") || (navigator.language.startsWith("zh") ? "zh" : "en");

export function t(key) { return (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.en[key] || key; }
export function getLang() { return lang; }
export function setLang(value) { lang = value; localStorage.setItem("city-lang", value); }
export function translateStatic(root = document) {
  root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}
