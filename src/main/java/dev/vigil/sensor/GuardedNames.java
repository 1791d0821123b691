package dev.vigil.sensor;

import java.util.List;

/**
 * The processes whose stopping the kernel reports as guarded_signal (713), by name as the kernel
 * holds it (comm: the executable's first 15 bytes, or what the process named itself): security,
 * audit and logging agents an intruder silences before acting. The agent itself is guarded by its
 * process id instead (agent_tamper, 700).
 */
public final class GuardedNames {
    private GuardedNames() {}

    public static final List<String> DEFAULT = List.of(
            "auditd", "audispd", "falco", "falcoctl", "osqueryd", "tetragon", "tracee", "tracee-ebpf", "sysdig",
            "wazuh-agentd", "wazuh-execd", "wazuh-modulesd", "wazuh-syscheckd", "wazuh-logcollector",
            "ossec-agentd", "ossec-execd", "ossec-syscheckd", "ossec-logcollector",
            "elkeid-agent", "elkeidctl", "falcon-sensor", "falcond", "mdatp", "wdavdaemon", "ds_agent",
            "cbagentd", "sentinelone-agent", "s1-agent", "qualys-cloud-agent", "cybereason-sensor", "sysmon",
            "clamd", "freshclam", "aide", "suricata", "snort", "zeek",
            "auditbeat", "filebeat", "packetbeat", "elastic-agent", "elastic-endpoint", "fluent-bit", "fluentd", "td-agent",
            "rsyslogd", "syslog-ng", "systemd-journal", "datadog-agent", "system-probe", "security-agent",
            "amazon-cloudwatch-agent", "amazon-ssm-agent", "google_osconfig", "splunkd", "nxlog", "vector", "promtail");

    /** `name` as the kernel's comm holds it: at most 15 bytes (the list names programs in full). */
    static String comm(String name) {
        return name.length() > 15 ? name.substring(0, 15) : name;
    }
}
