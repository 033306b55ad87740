/*
 * SSH key persistence: a key added to an authorized_keys file lets the
 * intruder back in whatever passwords are changed afterwards. Nearly every
 * SSH-brute-forcing botnet does this first (MITRE ATT&CK T1098.004).
 *
 * Uses Oyster's external variable `filepath` (the file's path in the guest).
 */

rule ssh_authorized_key_added
{
    meta:
        description = "A public key was written to an authorized_keys file: the intruder can log in again without a password"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1098/004/"

    strings:
        $rsa = "ssh-rsa AAAA"
        $ed25519 = "ssh-ed25519 AAAA"
        $ecdsa = /ecdsa-sha2-nistp(256|384|521) AAAA/
        $dss = "ssh-dss AAAA"
        $sk = /sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com AAAA/

    condition:
        filepath matches /\/\.ssh\/authorized_keys2?$/ and any of them
}

rule ssh_key_outlaw_mdrfckr
{
    meta:
        description = "The key with the comment 'mdrfckr' that the Outlaw (Dota) botnet installs on every host it takes"
        severity = "critical"
        reference = "https://www.trendmicro.com/en_us/research/19/f/outlaw-hacking-groups-botnet-observed-spreading-miner-perl-based-backdoor.html"

    strings:
        $comment = /AAAA[A-Za-z0-9+\/=]{100,} mdrfckr/

    condition:
        filepath matches /\/\.ssh\/authorized_keys2?$/ and $comment
}
