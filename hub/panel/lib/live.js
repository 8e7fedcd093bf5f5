// The live view of the hub: states and open incidents, kept current over the WebSocket.
import { api } from "./api.js";

const SUBSCRIBE = ["state_changed", "incident_raised", "incident_updated",
                   "visitor_checked_in", "visitor_checked_out"];

class Live extends EventTarget {
  constructor() {
    super();
    this.states = new Map();
    this.incidents = new Map();
    this.connected = false;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.loadIncidents();
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close();
  }

  async loadIncidents() {
    const page = await api("GET", "/api/incidents?status=open&limit=500");
    for (const inc of page.items) this.incidents.set(inc.id, inc);
    this.emit("incidents", null);
  }

  connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/api/websocket`);
    this.ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.emit("connection", true);
      // a burst of events may then come as one JSON array per frame (hub/http/websocket.py)
      this.send({ type: "supported_features", features: { coalesce_messages: 1 } }).catch(() => {});
      this.send({ type: "get_states" }).then((states) => {
        this.states = new Map(states.map((s) => [s.entity_id, s]));
        this.emit("states", null);
      });
      // A role may not receive every type (visitors: staff only); the hub refuses those.
      for (const type of SUBSCRIBE) this.send({ type: "subscribe_events", event_type: type }).catch(() => {});
    };
    ws.onmessage = (msg) => {
      const data = JSON.parse(msg.data);
      for (const one of Array.isArray(data) ? data : [data]) this.receive(one);
    };
    ws.onclose = () => {
      this.connected = false;
      this.emit("connection", false);
      for (const { reject } of this.pending.values()) reject(new Error("closed"));
      this.pending.clear();
      if (!this.stopped) setTimeout(() => { if (!this.stopped) { this.loadIncidents().catch(() => {}); this.connect(); } }, 2000);
    };
  }

  send(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ ...message, id }));
    });
  }

  receive(msg) {
    if (msg.type === "result") {
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.success) waiter.resolve(msg.result); else waiter.reject(new Error(msg.error.message));
      return;
    }
    if (msg.type !== "event") return;
    const { event_type: type, data } = msg.event;
    if (type === "state_changed") {
      if (data.new_state) this.states.set(data.entity_id, data.new_state);
      else this.states.delete(data.entity_id);
      this.emit("state", data);
    } else if (type === "incident_raised" || type === "incident_updated") {
      this.incidents.set(data.incident_id, data.incident);
      this.emit("incident", { type, incident: data.incident });
    } else {
      this.emit(type, data);
    }
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  domain(name) {
    return [...this.states.values()].filter((s) => s.entity_id.startsWith(`${name}.`))
      .sort((a, b) => a.entity_id.localeCompare(b.entity_id));
  }
}

export const live = new Live();
