/*
 * IoT and Linux botnets as they arrive on SSH and telnet honeypots: the
 * dropper script that fetches one binary per CPU architecture and runs
 * each, the download-and-run one-liner, and the bots themselves (Mirai
 * and its forks, Gafgyt/Bashlite).
 */

rule dropper_multi_arch_script
{
    meta:
        description = "A dropper script: fetches programs for several CPU architectures, makes them executable and runs them (the bins.sh pattern)"
        severity = "high"

    strings:
        $fetch = /(wget|curl|tftp|ftpget|busybox wget)[ \t][^\n]{0,200}(http:\/\/|ftp:\/\/|-g |-r )/
        $chmod = /chmod (\+x|777|755|0777)/
        $cd = /cd \/(tmp|var\/run|mnt|root|dev\/shm|var\/tmp)/
        $arch = /[.\-_ \/](mips|mpsl|mipsel|arm4|arm5|arm6|arm7|armv[4-7]l|x86|x86_64|i586|i686|m68k|sh4|ppc|powerpc|sparc)\b/

    condition:
        filesize < 512KB and $fetch and $chmod and $cd and #arch >= 3
}

rule dropper_download_and_run
{
    meta:
        description = "A script that downloads a program and runs it at once (curl | sh, wget -O- | bash, wget ...; chmod +x ...; ./...)"
        severity = "medium"

    strings:
        $pipe = /(curl|wget)[ \t][^\n|;]{1,300}\|[ \t]*(ba|da|z)?sh\b/
        $chain = /(curl|wget)[ \t][^\n]{1,300};[ \t]*chmod[ \t]+(\+x|7[0-7]{2})[ \t][^\n]{1,200};[ \t]*(\.\/|sh |bash |nohup )/

    condition:
        filesize < 1MB and any of them
}

rule bot_mirai_family
{
    meta:
        description = "Mirai or a fork: an ELF with the busybox applet check and watchdog disabling that Mirai's source put in every descendant"
        severity = "critical"
        reference = "https://github.com/jgamblin/Mirai-Source-Code"

    strings:
        $busybox = /\/bin\/busybox [A-Z0-9]{4,12}\b/
        $watchdog1 = "/dev/watchdog"
        $watchdog2 = "/dev/misc/watchdog"
        $tsource = "TSource Engine Query"
        $proc_tcp = "/proc/net/tcp"
        $enable = "enable\x00system\x00shell\x00sh\x00"

    condition:
        uint32(0) == 0x464c457f and filesize < 5MB and 3 of them
}

rule bot_gafgyt_family
{
    meta:
        description = "Gafgyt/Bashlite or a fork: an ELF with its IRC-like command set"
        severity = "critical"

    strings:
        $a = "PONG!"
        $b = "GETLOCALIP"
        $c = "SCANNER ON"
        $d = "HTTPFLOOD"
        $e = "LOLNOGTFO"
        $f = "KILLATTK"
        $g = "UDPRAW"

    condition:
        uint32(0) == 0x464c457f and filesize < 5MB and 3 of them
}

rule persistence_cron_download
{
    meta:
        description = "A cron entry that downloads something: persistence that brings the payload back after a cleanup"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1053/003/"

    strings:
        $fetch = /(curl|wget)[ \t]/

    condition:
        filepath matches /^\/(etc\/cron|var\/spool\/cron|etc\/crontab)/ and $fetch
}
