<?php

/**
 * What Stores > Configuration > Save does (Magento_Config: the
 * Magento\Config\Controller\Adminhtml\System\Config\Save action and the
 * Magento\Config\Model\Config it fills), for one section of etc/adminhtml/system.xml:
 * the admin must hold the section's `<resource>` (else the access-denied page) and the
 * request must carry the session's form key (else "Invalid Form Key"); then every
 * submitted field of the section is saved through its backend model (here
 * Magento\Config\Model\Config\Backend\Encrypted: a value of only asterisks keeps the
 * stored one, any other is encrypted), and `admin_system_config_changed_section_<id>`
 * is dispatched with `changed_paths`. Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

use Magento\Framework\App\Config\ScopeConfigInterface;
use Magento\Framework\App\Config\Storage\WriterInterface;
use Magento\Framework\AuthorizationInterface;
use Magento\Framework\Encryption\EncryptorInterface;
use Magento\Framework\Event\ManagerInterface;

final class ConfigSave
{
    private const ENCRYPTED = 'Magento\Config\Model\Config\Backend\Encrypted';

    private ObjectManager $objectManager;

    public function __construct(ObjectManager $objectManager)
    {
        $this->objectManager = $objectManager;
    }

    /**
     * @param array<string, array{fields: array<string, array{value: string}>}> $groups as the form posts them
     * @return array{saved: bool, message: string}
     */
    public function save(string $section, array $groups, string $formKey): array
    {
        $node = null;
        foreach (ModuleFiles::xml('system.xml', 'adminhtml') as $xml) {
            foreach ($xml->xpath('//section[@id="' . $section . '"]') ?: [] as $s) {
                $node = $s;
            }
        }
        if ($node === null) {
            return ['saved' => false, 'message' => 'no such section'];
        }
        $authorization = $this->objectManager->get(AuthorizationInterface::class);
        if (!$authorization->isAllowed((string) $node->resource)) {
            return ['saved' => false, 'message' => 'Sorry, you need permissions to view this content.'];
        }
        if ($formKey === '' || !hash_equals(Database::$formKey, $formKey)) {
            return ['saved' => false, 'message' => 'Invalid Form Key. Please refresh the page.'];
        }
        $config = $this->objectManager->get(ScopeConfigInterface::class);
        $writer = $this->objectManager->get(WriterInterface::class);
        $encryptor = $this->objectManager->get(EncryptorInterface::class);
        $changed = [];
        foreach ($groups as $groupId => $group) {
            foreach ($group['fields'] ?? [] as $fieldId => $field) {
                $defs = $node->xpath('group[@id="' . $groupId . '"]/field[@id="' . $fieldId . '"]') ?: [];
                if ($defs === []) {
                    continue; // not a field of this section: Magento ignores it
                }
                $path = $section . '/' . $groupId . '/' . $fieldId;
                $value = (string) ($field['value'] ?? '');
                if (trim((string) $defs[0]->backend_model) === self::ENCRYPTED) {
                    if ($value !== '' && preg_match('/^\*+$/', $value) === 1) {
                        continue; // the obscured field was left as shown
                    }
                    $value = $value === '' ? '' : $encryptor->encrypt($value);
                }
                $before = $config->getValue($path);
                $writer->save($path, $value);
                if ((string) $before !== $value) {
                    $changed[] = $path;
                }
            }
        }
        $this->objectManager->get(ManagerInterface::class)->dispatch(
            'admin_system_config_changed_section_' . $section,
            ['website' => '', 'store' => '', 'changed_paths' => $changed]
        );
        return ['saved' => true, 'message' => 'You saved the configuration.'];
    }
}
