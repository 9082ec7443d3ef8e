<?php

/**
 * What `bin/magento cron:run --group=<id>` does for a job, as "Configure a custom cron
 * job and cron group" documents it (https://developer.adobe.com/commerce/php/development/components/cron/):
 * the jobs of etc/crontab.xml are in groups, a group that is not Magento's `default`
 * or `index` must be declared in some etc/cron_groups.xml, and a job runs as
 * `instance->method()` of an object-manager instance, in the crontab area. No schedule
 * table: run() runs the job now. Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

final class CronRunner
{
    private ObjectManager $objectManager;

    public function __construct(ObjectManager $objectManager)
    {
        $this->objectManager = $objectManager;
    }

    /** @return mixed what the job's method answered */
    public function run(string $jobName)
    {
        foreach (ModuleFiles::xml('crontab.xml') as $xml) {
            foreach ($xml->group as $group) {
                foreach ($group->job as $job) {
                    if ((string) $job['name'] !== $jobName) {
                        continue;
                    }
                    if (!in_array((string) $group['id'], self::groups(), true)) {
                        throw new \LogicException("cron group {$group['id']} is not declared in any cron_groups.xml");
                    }
                    $area = Database::$area;
                    Database::$area = 'crontab';
                    try {
                        return $this->objectManager->get((string) $job['instance'])->{(string) $job['method']}();
                    } finally {
                        Database::$area = $area;
                    }
                }
            }
        }
        throw new \LogicException("no cron job {$jobName}");
    }

    /** @return list<string> */
    public static function groups(): array
    {
        $groups = ['default', 'index'];
        foreach (ModuleFiles::xml('cron_groups.xml') as $xml) {
            foreach ($xml->group as $g) {
                $groups[] = (string) $g['id'];
            }
        }
        return $groups;
    }
}
