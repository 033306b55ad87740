/*
 * Cryptocurrency miners, the most common payload on Linux honeypots: XMRig
 * and its repackagings (Kinsing's kdevtmpfsi, Outlaw's "kswapd0"), and the
 * pool configuration files they read.
 */

rule linux_miner_xmrig
{
    meta:
        description = "XMRig (or a repackaging of it): a Monero miner"
        severity = "high"
        reference = "https://github.com/xmrig/xmrig"

    strings:
        $name = "xmrig" nocase
        $stratum = "stratum+tcp://"
        $donate = "donate-level"
        $randomx = "randomx" nocase
        $cn = "cryptonight" nocase
        $nicehash = "nicehash" nocase
        $hashrate = "hashrate" nocase

    condition:
        filesize < 20MB and 4 of them
}

rule linux_miner_kinsing
{
    meta:
        description = "Kinsing: its miner (kdevtmpfsi) or its loader, which kills competing miners first"
        severity = "high"
        reference = "https://www.aquasec.com/blog/threat-alert-kinsing-malware-container-vulnerability/"

    strings:
        $a = "kdevtmpfsi"
        $b = "kinsing"
        $c = "/tmp/.ICE-unix"

    condition:
        filesize < 20MB and 2 of them
}

rule linux_miner_pool_config
{
    meta:
        description = "A mining pool configuration: a stratum URL with pool user and password fields, as miners' config.json hold them"
        severity = "high"

    strings:
        $url = /stratum\+(tcp|ssl|tls):\/\/[A-Za-z0-9.\-]{3,128}:[0-9]{2,5}/
        $pools = "\"pools\""
        $user = "\"user\""
        $pass = "\"pass\""
        $algo = "\"algo\""

    condition:
        filesize < 1MB and $url and 2 of ($pools, $user, $pass, $algo)
}
