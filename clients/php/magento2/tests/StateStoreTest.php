<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use PluginTelemetry\Telemetry\Model\StateStore;

/**
 * The flag-row store under concurrent writers: four PHP processes (as four web or cron
 * workers) each apply 25 read-modify-writes; under the lock none is lost. A reader
 * never sees half a document.
 */
final class StateStoreTest extends StoreTestCase
{
    public function testConcurrentWritersLoseNothing(): void
    {
        $script = <<<'PHP'
<?php
require $argv[1] . '/tests/shim/bootstrap.php';
require $argv[1] . '/../core/autoload.php';
require $argv[1] . '/PluginTelemetry/Model/StateStore.php';
$om = PluginTelemetry\Magento\Tests\Shim\Shop::boot($argv[2], 'global');
$store = $om->get(PluginTelemetry\Telemetry\Model\StateStore::class);
for ($i = 0; $i < 25; $i++) {
    $store->update(static function (?array $s): array {
        $s = $s ?? ['n' => 0, 'pad' => str_repeat('x', 20000)];
        $s['n']++;
        return $s;
    });
}
PHP;
        $file = PT_MAGENTO_TEST_ROOT . '/writer.php';
        file_put_contents($file, $script);
        $procs = [];
        for ($w = 0; $w < 4; $w++) {
            $procs[] = proc_open(
                [PHP_BINARY, $file, dirname(__DIR__), PT_MAGENTO_TEST_ROOT],
                [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
                $pipes
            );
            $all[] = $pipes;
        }
        $store = $this->request('global')->get(StateStore::class);
        $reads = 0;
        $exit = [];
        do {
            $running = false;
            foreach ($procs as $i => $p) {
                if (isset($exit[$i])) {
                    continue;
                }
                $status = proc_get_status($p);
                if ($status['running']) {
                    $running = true;
                } else {
                    $exit[$i] = $status['exitcode']; // proc_close() cannot tell it any more
                }
            }
            $s = $store->load();
            if ($s !== null) {
                self::assertSame(20000, strlen($s['pad']), 'a whole document');
                $reads++;
            }
        } while ($running);
        foreach ($procs as $i => $p) {
            $err = stream_get_contents($all[$i][2]);
            proc_close($p);
            self::assertSame(0, $exit[$i], (string) $err);
        }
        self::assertGreaterThan(0, $reads);
        self::assertSame(100, $store->load()['n']);
        $store->clear();
        self::assertNull($store->load());
    }
}
